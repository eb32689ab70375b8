// The floor of mydocker's process model (book 01, "What a run costs"): a CLI that
// does nothing but clone a Node init into new namespaces, as `run` does (the addon's
// spawn, /proc/self/exe), and wait for it. The init (init.mjs) does nothing but
// execve /bin/true. No flags, no rootfs, no cgroups: two Node starts in a row.
import { CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUTS, native, waitPidfd } from '../../../dist/native.js';

const init = native.spawn({
  file: '/proc/self/exe',
  argv: ['node', new URL('init.mjs', import.meta.url).pathname],
  env: [],
  cloneFlags: CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET,
  fds: [0, 1, 2],
});
const { exitCode } = await waitPidfd(init.pidfd);
process.exit(exitCode ?? 1);
