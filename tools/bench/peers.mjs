// What a user would run instead of mydocker: podman and docker, as benchmark peers
// (DESIGN.md, "Performance: the floor and the peers"). Each gets its own state under
// the benchmark's scratch folder, the same busybox tarball as ours (imported as the
// image "busybox") and no network. Both come from scripts/setup-host.sh (podman,
// docker.io, runc); nothing is installed here.
//   podman 4.3  --cgroup-manager cgroupfs --runtime runc, and --ulimit nofile/nproc
//               1024:1024 on every run: its default rlimits exceed this machine's
//               hard limits ("error setting rlimit type 7").
//   docker      a private dockerd (--iptables=false --bridge=none, its own data root,
//               exec root, pidfile and socket; it starts its own containerd), started
//               here and stopped by its pid. tools/bench.mjs runs every benchmark in a
//               network namespace of its own: dockerd and its containers are in it.
// A peer that cannot start on this host is reported as missing (its rows are left
// out), never half-started: whatever it mounted under the scratch folder is unmounted.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

/** podman with its state in dir; null when podman is missing or cannot run a container here */
export function podman(dir, tarball) {
  if (!have('podman')) return null;
  const base = `podman --root ${join(dir, 'podman')} --runroot ${join(dir, 'podman-run')} --cgroup-manager cgroupfs --events-backend file --runtime runc`;
  const runFlags = '--network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024';
  const sh = (args) => execFileSync('sh', ['-c', `${base} ${args}`], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  try {
    sh(`import ${tarball} busybox`);
    sh(`run --rm ${runFlags} busybox true`);
  } catch (e) {
    console.log(`  podman: cannot run here (${String(e.stderr || e.message).trim().split('\n').pop()}): no podman rows`);
    spawnSync('sh', ['-c', `${base} rm -a -f -t 0`], { stdio: 'ignore', timeout: 60_000 });
    unmountUnder(dir);
    return null;
  }
  return {
    /** a command line for hyperfine: podman's run with these arguments */
    run: (args) => `${base} run ${runFlags} ${args}`,
    base,
    async stop() {
      spawnSync('sh', ['-c', `${base} rm -a -f -t 0`], { stdio: 'ignore', timeout: 300_000 });
      // each container's conmon runs `podman container cleanup` when it ends, and that
      // mounts podman's storage again: unmount until it has stayed unmounted for a second
      for (let quiet = 0, i = 0; quiet < 2 && i < 60; i++) {
        quiet = unmountUnder(dir) ? 0 : quiet + 1;
        await sleep(500);
      }
    },
  };
}

/** a private dockerd with its state in dir; null when docker is missing or its daemon does not come up */
export async function docker(dir, tarball) {
  if (!have('dockerd') || !have('docker')) return null;
  const data = join(dir, 'docker');
  const exec = join(dir, 'docker-exec');
  const sock = join(dir, 'docker.sock');
  const pidfile = join(dir, 'docker.pid');
  mkdirSync(data, { recursive: true });
  const log = join(dir, 'dockerd.log');
  const daemon = spawn(
    'sh',
    ['-c', `exec dockerd --data-root ${data} --exec-root ${exec} -H unix://${sock} --pidfile ${pidfile} --iptables=false --ip-forward=false --ip-masq=false --bridge=none >${log} 2>&1`],
    { stdio: 'ignore' },
  );
  let exited = false;
  const gone = new Promise((r) => daemon.on('exit', () => r((exited = true))));
  const cli = `docker -H unix://${sock}`;
  const stop = async () => {
    if (!exited) {
      process.kill(daemon.pid, 'SIGTERM'); // exec'd: the shell's pid is dockerd's
      let timer;
      await Promise.race([gone, new Promise((r) => (timer = setTimeout(r, 20_000)))]);
      clearTimeout(timer);
      if (!exited) process.kill(daemon.pid, 'SIGKILL');
      await gone;
    }
    unmountUnder(dir);
  };
  for (let i = 0; i < 300 && !exited; i++) {
    if (existsSync(sock) && spawnSync('sh', ['-c', `${cli} version`], { stdio: 'ignore' }).status === 0) break;
    await sleep(100);
  }
  try {
    execFileSync('sh', ['-c', `${cli} import ${tarball} busybox && ${cli} run --rm --network none busybox true`], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const why = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').pop() : String(e.stderr || e.message).trim();
    console.log(`  docker: a private dockerd cannot run here (${why}): no docker rows`);
    await stop();
    return null;
  }
  return {
    /** a command line for hyperfine: docker's run with these arguments */
    run: (args) => `${cli} run --network none ${args}`,
    cli,
    stop,
  };
}

/** unmount whatever a peer left mounted under dir (deepest first), so that dir can be removed; how many there were */
function unmountUnder(dir) {
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p) => p && (p === dir || p.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
  for (const p of points) spawnSync('umount', ['-l', p], { stdio: 'ignore' });
  return points.length;
}
