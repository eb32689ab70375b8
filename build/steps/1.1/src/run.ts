// Step 1.1's run: the command itself, cloned as PID 1 of a new PID namespace (the
// state folder, the front door and the id come into use in later steps).
import { exitStatus, type RunOptions } from './container/config.js';
import { CLONE_NEWPID, native, waitPidfd } from './native.js';

export async function run(_root: string, o: RunOptions, _door: unknown, _id: string): Promise<number> {
  const child = native.spawn({
    file: o.command[0],
    argv: o.command, // everything after COMMAND is the command's, untouched
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    cloneFlags: CLONE_NEWPID, // the child is PID 1 of a new PID namespace
    fds: [0, 1, 2], // our stdin, stdout and stderr are the command's
  });
  // the container's status is ours: its exit code, or 128 + the signal that killed it
  return exitStatus(await waitPidfd(child.pidfd));
}
