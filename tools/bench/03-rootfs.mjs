// Chapter 03 benchmark: `mydocker run --rm busybox /bin/true` beside its peers, in
// one hyperfine run: what a user would run instead — podman's and docker's `run --rm`
// of the same busybox tarball, no network (tools/bench/peers.mjs) — and this design's
// floor (two node starts in a row, no work: floor/cli.mjs). For scale, `node -e 0`,
// `runc run` and `crun run` of a bundle made from the same tarball.
// Targets (DESIGN.md): ≤ 0.5× podman, ≤ 0.5× docker, ≤ 1.25× the floor.
// And the same run in a store that holds 1,000 stopped containers (copies of one
// record, each under its own id) against an empty store: a run reads only the
// records its sweep's index names (src/container/store.ts), so ≤ 1.1×.
// crun 1.8 refuses this host's hybrid cgroups; it runs in a mount namespace of its own
// where /sys/fs/cgroup/unified is unmounted (the `unshare -m sh -c` in front costs ~3 ms,
// counted against crun). When crun cannot run at all, its row says so.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hyperfine, mydocker, repo, row, workDir } from './lib.mjs';
import { docker, podman } from './peers.mjs';

const work = workDir('03');
let pm;
let dk;
try {
  const tar = join(work.dir, 'busybox.tar');
  execFileSync('bash', [join(repo, 'scripts', 'build-busybox-rootfs.sh'), tar], { stdio: 'ignore' });
  const root = join(work.dir, 'root');
  execFileSync(mydocker, ['--root', root, 'import', tar, 'busybox'], { stdio: 'ignore' });

  // a store with 1,000 stopped containers: one real one, copied under new ids
  const full = join(work.dir, 'full');
  execFileSync(mydocker, ['--root', full, 'import', tar, 'busybox'], { stdio: 'ignore' });
  const one = execFileSync(mydocker, ['--root', full, 'run', '-d', 'busybox', 'true'], { encoding: 'utf8' }).trim();
  execFileSync(mydocker, ['--root', full, 'wait', one], { stdio: 'ignore' });
  execFileSync(mydocker, ['--root', full, 'ps', '-a'], { stdio: 'ignore' }); // its sweep settles it
  const records = join(full, 'containers');
  for (let i = 1; i < 1000; i++) {
    const id = createHash('sha256').update(`bench-${i}`).digest('hex');
    cpSync(join(records, one), join(records, id), { recursive: true });
    const config = JSON.parse(readFileSync(join(records, id, 'config.json'), 'utf8'));
    writeFileSync(join(records, id, 'config.json'), JSON.stringify({ ...config, id, name: `bench-${i}` }));
  }

  // the runc bundle: the same files, runc's default spec, /bin/true
  const bundle = join(work.dir, 'bundle');
  mkdirSync(join(bundle, 'rootfs'), { recursive: true });
  execFileSync('tar', ['-xf', tar, '-C', join(bundle, 'rootfs')]);
  execFileSync('runc', ['spec', '--bundle', bundle]);
  const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
  spec.process.terminal = false;
  spec.process.args = ['/bin/true'];
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));

  const id = `mydocker-bench-${process.pid}`;
  const commands = [
    ['mydocker run --rm busybox /bin/true', `${mydocker} --root ${root} run --rm busybox /bin/true`],
    ['node -e 0', `${process.execPath} -e 0`],
    ['runc run', `runc --root ${join(work.dir, 'runc')} run --bundle ${bundle} ${id}`],
    ['two node starts in a row', `${process.execPath} ${join(import.meta.dirname, 'floor', 'cli.mjs')}`],
    ['run --rm, 1,000 stopped containers', `${mydocker} --root ${full} run --rm busybox /bin/true`],
  ];
  const crunLine = `unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec crun --root ${join(work.dir, 'crun')} run --bundle ${bundle} ${id}-crun'`;
  const crunWorks = existsSync('/usr/bin/crun') && spawnSync('sh', ['-c', crunLine], { stdio: 'ignore', timeout: 20_000 }).status === 0;
  if (crunWorks) commands.push(['crun run', crunLine]);
  pm = podman(work.dir, tar);
  if (pm) commands.push(['podman run --rm', pm.run('--rm busybox /bin/true')]);
  dk = await docker(work.dir, tar);
  if (dk) commands.push(['docker run --rm', dk.run('--rm busybox /bin/true')]);
  const t = hyperfine(commands, { runs: 20, warmup: 3, dir: work.dir });

  console.log('\n## 03-rootfs: run an image');
  const ours = t['mydocker run --rm busybox /bin/true'];
  const floor = t['two node starts in a row'];
  if (pm) row({ figure: 'run --rm busybox /bin/true', ours, peer: t['podman run --rm'], peerName: 'podman run --rm', target: 0.5, note: 'podman 4.3, cgroupfs, runc, no network' });
  else console.log('  podman: not installed or cannot run on this host: no podman row');
  if (dk) row({ figure: 'run --rm busybox /bin/true', ours, peer: t['docker run --rm'], peerName: 'docker run --rm', target: 0.5, note: 'a private dockerd, containerd, runc, no network' });
  else console.log('  docker: not installed or its daemon cannot run on this host: no docker row');
  row({ figure: 'run --rm busybox /bin/true', ours, peer: floor, peerName: 'the floor', target: 1.25, note: 'two node starts in a row (floor/cli.mjs)' });
  row({ figure: 'run --rm, 1,000 stopped containers in the store', ours: t['run --rm, 1,000 stopped containers'], peer: ours, peerName: 'an empty store', target: 1.1, note: 'the sweep reads only what its index names' });
  row({ figure: 'run --rm busybox /bin/true', ours, peer: t['node -e 0'], peerName: 'node -e 0' });
  row({ figure: 'run --rm busybox /bin/true', ours, peer: t['runc run'], peerName: 'runc run' });
  row({ figure: 'two node starts in a row (no work)', ours: floor, peer: t['node -e 0'], peerName: 'node -e 0', note: "the floor: a CLI that only clones a Node init that only execve's" });
  row({ figure: 'two node starts in a row (no work)', ours: floor, peer: t['runc run'], peerName: 'runc run', note: 'the floor' });
  if (crunWorks) row({ figure: 'run --rm busybox /bin/true', ours, peer: t['crun run'], peerName: 'crun run', note: 'crun in its own mount namespace (hybrid cgroups)' });
  else console.log('  crun: not installed or cannot run on this host: no crun row');
} finally {
  await pm?.stop();
  await dk?.stop();
  work.remove();
}
