// Chapter 01 benchmark: what starting a process in new namespaces costs, in one
// hyperfine run (clean environment: a host's NODE_EXTRA_CA_CERTS alone adds ~33 ms
// to every node start, which would flatter `node -e 0` beside us).
//   mydocker --version              a bare CLI start: node + the CLI's own modules
//   node -e 0                       a bare node start: the floor of any Node CLI
//   mydocker run /bin/true          the whole run on the host's files
//   unshare -pfmuin /bin/true       the same five namespaces from a small C program
// Targets: the CLI's start ≤ 1.15× node -e 0; the re-exec'd init's own time ≤ 1.2×.
// The init reports, right before execve, how long it has lived (performance.now()
// from its process start, node's start-up included) minus its waits for the CLI
// (the spec, then "go"); `--debug` prints it.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { cleanEnv, hyperfine, mydocker, row, stats, workDir } from './lib.mjs';

const work = workDir('01');
try {
  const root = join(work.dir, 'root');
  const t = hyperfine(
    [
      ['mydocker --version', `${mydocker} --root ${root} --version`],
      ['node -e 0', `${process.execPath} -e 0`],
      ['mydocker run /bin/true', `${mydocker} --root ${root} run /bin/true`],
      ['unshare -pfmuin /bin/true', 'unshare -pfmuin /bin/true'],
    ],
    { runs: 30, warmup: 5, dir: work.dir },
  );
  const own = [];
  for (let i = 0; i < 30; i++) {
    const { stderr } = spawnSync(mydocker, ['--root', root, '--debug', 'run', '/bin/true'], { env: cleanEnv, encoding: 'utf8' });
    const m = /init: (\d+) ms of its own/.exec(stderr);
    if (m) own.push(Number(m[1]));
  }
  console.log('\n## 01-namespaces: start-up');
  const node = t['node -e 0'];
  row({ figure: 'CLI start (mydocker --version)', ours: t['mydocker --version'], peer: node, peerName: 'node -e 0', target: 1.15 });
  row({ figure: "init's own time before execve", ours: stats(own), peer: node, peerName: 'node -e 0', target: 1.2, note: 'the init reports it; its waits for the CLI excluded' });
  row({ figure: 'run /bin/true (host files)', ours: t['mydocker run /bin/true'], peer: node, peerName: 'node -e 0', note: 'CLI and init: two node starts, overlapped' });
  row({ figure: 'run /bin/true (host files)', ours: t['mydocker run /bin/true'], peer: t['unshare -pfmuin /bin/true'], peerName: 'unshare -pfmuin', note: 'the floor: the same namespaces from C' });
} finally {
  work.remove();
}
