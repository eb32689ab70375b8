// Chapter 06 benchmark: what a container's network costs. Inside a network namespace of
// its own (never the host's), for N waiting processes each in a new network namespace
// (`unshare -n sleep`), the same plumbing twice:
//   rtnetlink   mydocker's code (dist/network/netlink.js): veth with its peer made in the
//               container's namespace as eth0, host end on the bridge and up; inside: lo up,
//               eth0's address, eth0 up, the default route — one process, two sockets
//   ip          the same steps as `ip` commands (`ip link add … netns PID`, `ip -n`/nsenter …)
// Target: network setup ≤ 10 ms per container. Also `run -d` with a network, end to end.
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { mydocker, repo, row, stats, workDir } from './lib.mjs';

const N = 100;
const ns = `bench06-${process.pid}`;

if (!process.env.BENCH06_INSIDE) {
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    execFileSync('ip', ['netns', 'exec', ns, process.execPath, import.meta.filename], { stdio: 'inherit', env: { ...process.env, BENCH06_INSIDE: ns, MYDOCKER_DEFAULT_NETWORK: undefined }, timeout: 600_000 });
  } finally {
    execFileSync('ip', ['netns', 'del', ns]);
  }
  process.exit(0);
}

const { Netlink } = await import(join(repo, 'dist', 'network', 'netlink.js'));
const sh = (cmd, args) => execFileSync(cmd, args, { stdio: 'ignore' });
const waiters = () =>
  Array.from({ length: N }, () => spawn('unshare', ['-n', 'sleep', '600'], { stdio: 'ignore' }));
const sleepMs = (ms) => new Promise((r) => setTimeout(r, ms));

const host = Netlink.open();
host.addBridge('bench0');
host.addAddress('bench0', '10.200.0.1', 16, '10.200.255.255');
host.setUp('bench0');

async function measure(label, setup) {
  const procs = waiters();
  await sleepMs(2000); // every unshare has exec'd sleep in its namespace (a loaded machine takes its time)
  const times = [];
  procs.forEach((p, i) => {
    const t0 = performance.now();
    setup(p.pid, i);
    times.push(performance.now() - t0);
  });
  for (const p of procs) p.kill('SIGKILL');
  await sleepMs(300);
  const st = stats(times);
  console.log(`  ${label.padEnd(12)} median ${st.median.toFixed(2).padStart(7)} ms   min ${st.min.toFixed(2).padStart(7)} ms   (${N} containers)`);
  return st;
}

console.log(`\n## 06-network: network setup per container (inside a namespace of its own)`);
const ours = await measure('rtnetlink', (pid, i) => {
  const veth = `vb${i}`;
  host.addVeth(veth, 'eth0', pid);
  host.setUp(veth, 'bench0');
  const inside = Netlink.open(pid);
  inside.setUp('lo');
  inside.addAddress('eth0', `10.200.1.${i + 2}`, 16, '10.200.255.255');
  inside.setUp('eth0');
  inside.addDefaultRoute('10.200.0.1', 'eth0');
  inside.close();
});
const ip = await measure('ip', (pid, i) => {
  const veth = `vi${i}`;
  sh('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', String(pid)]);
  sh('ip', ['link', 'set', veth, 'master', 'bench0', 'up']);
  const inNs = (...a) => sh('nsenter', ['-t', String(pid), '-n', 'ip', ...a]);
  inNs('link', 'set', 'lo', 'up');
  inNs('addr', 'add', `10.200.2.${i + 2}/16`, 'dev', 'eth0');
  inNs('link', 'set', 'eth0', 'up');
  inNs('route', 'add', 'default', 'via', '10.200.0.1');
});
host.close();

// end to end: run -d with the default network (and a published port), 10 containers
const { dir: work, remove } = workDir('06');
try {
  const root = join(work, 'root');
  execFileSync('bash', [join(repo, 'scripts', 'build-busybox-rootfs.sh'), join(work, 'bb.tar')], { stdio: 'ignore' });
  execFileSync(mydocker, ['--root', root, 'import', join(work, 'bb.tar'), 'busybox'], { stdio: 'ignore' });
  const runs = 10;
  const t = (args) => {
    const t0 = performance.now();
    const id = execFileSync(mydocker, ['--root', root, 'run', '-d', ...args, 'busybox', 'sleep', '30'], { encoding: 'utf8' }).trim();
    return [performance.now() - t0, id];
  };
  const net = Array.from({ length: runs }, (_, i) => t(['-p', String(9000 + i) + ':80']));
  const none = Array.from({ length: runs }, () => t(['--network', 'none']));
  execFileSync(mydocker, ['--root', root, 'rm', '-f', ...net.map((x) => x[1]), ...none.map((x) => x[1])], { stdio: 'ignore' });
  const mNet = stats(net.map((x) => x[0])).median;
  const mNone = stats(none.map((x) => x[0])).median;
  console.log(`  run -d -p (bridge)       median ${mNet.toFixed(0).padStart(5)} ms`);
  console.log(`  run -d --network none    median ${mNone.toFixed(0).padStart(5)} ms   (difference: the whole network step, iptables included: ${(mNet - mNone).toFixed(0)} ms)`);
} finally {
  remove();
}
row({ figure: 'network setup per container', ours, peer: ip, peerName: 'the same steps with ip', target: 1.0, note: `target also ≤ 10 ms absolute: ${ours.median <= 10 ? 'met' : 'MISSED'}` });
