// Chapter 08 benchmark: `ctr run --rm` of busybox `true` under one private containerd,
// with our runtime (--runc-binary bin/mydocker-runc) beside runc (the shim's default),
// in one hyperfine run. The whole path is measured: ctr, containerd, the shim and
// the runtime's create/start/state/delete. No target: the ratio is reported.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, openSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hyperfine, repo, row, workDir } from './lib.mjs';

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const missing = ['containerd', 'ctr', 'containerd-shim-runc-v2', 'skopeo', 'runc', 'hyperfine'].filter((c) => !has(c));
if (missing.length) {
  console.log(`\n## 08-oci: skipped (needs ${missing.join(', ')}: scripts/setup-host.sh)`);
  process.exit(0);
}

const work = workDir('08');
const sock = join(work.dir, 'ctd.sock');
const ns = `mydocker-bench-${process.pid}`;
let daemon;
try {
  writeFileSync(join(work.dir, 'config.toml'), `version = 2\nroot = "${work.dir}/root"\nstate = "${work.dir}/state"\n[grpc]\n  address = "${sock}"\n[ttrpc]\n  address = "${sock}.ttrpc"\n[debug]\n  address = ""\n[metrics]\n  address = ""\n`);
  // bounded: a benchmark that dies leaves no containerd behind; its chatter goes to a log
  const log = openSync(join(work.dir, 'containerd.log'), 'w');
  daemon = spawn('timeout', ['-k', '2', '600', 'containerd', '--config', join(work.dir, 'config.toml')], { stdio: ['ignore', log, log] });
  for (let i = 0; !existsSync(sock); i++) {
    if (i > 150) throw new Error('containerd did not listen');
    await new Promise((r) => setTimeout(r, 100));
  }
  const ctr = (args) => execFileSync('ctr', ['-a', sock, '-n', ns, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  const tar = join(work.dir, 'busybox.tar');
  execFileSync('bash', [join(repo, 'scripts', 'build-busybox-rootfs.sh'), tar], { stdio: 'ignore' });
  const archive = join(work.dir, 'bb.tar');
  execFileSync('skopeo', ['copy', '-q', `tarball:${tar}`, `docker-archive:${archive}:docker.io/library/bb:1`]);
  ctr(['image', 'import', archive]);

  const run = (name, extra) => `ctr -a ${sock} -n ${ns} run --rm ${extra} docker.io/library/bb:1 ${name} true`;
  const ours = join(repo, 'bin', 'mydocker-runc');
  const t = hyperfine(
    [
      ['ctr run --rm (mydocker-runc)', run('ours', `--runc-binary ${ours} --runc-root ${join(work.dir, 'ours')}`)],
      ['ctr run --rm (runc)', run('runc', `--runc-root ${join(work.dir, 'runc')}`)],
    ],
    { runs: 15, warmup: 2, dir: work.dir },
  );
  console.log('\n## 08-oci: containerd with our runtime');
  row({ figure: 'ctr run --rm busybox true', ours: t['ctr run --rm (mydocker-runc)'], peer: t['ctr run --rm (runc)'], peerName: 'ctr run --rm (runc)', note: 'the same containerd and shim; only --runc-binary differs' });
} finally {
  // the shims daemonize: found by their namespace on the command line
  for (const p of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(`containerd-shim-runc-v2\0-namespace\0${ns}\0`)) process.kill(Number(p), 'SIGTERM');
    } catch {
      // gone
    }
  }
  if (daemon && daemon.exitCode === null) {
    const exited = new Promise((r) => daemon.on('exit', r));
    daemon.kill('SIGTERM'); // timeout passes it on to containerd
    await exited;
  }
  // runc leaves the namespace's parent cgroup (/<namespace>) in every hierarchy: empty, removed
  const dirs = readdirSync('/sys/fs/cgroup', { withFileTypes: true }).filter((e) => e.isDirectory());
  for (const dir of [join('/sys/fs/cgroup', ns), ...dirs.map((h) => join('/sys/fs/cgroup', h.name, ns))]) {
    try {
      rmdirSync(dir);
    } catch {
      // none there
    }
  }
  for (const m of readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m?.startsWith(work.dir)).reverse()) spawnSync('umount', ['-l', m]);
  work.remove();
}
