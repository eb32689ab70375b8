// Chapter 05 benchmark: `run -d` at a sustained rate, and what each detached
// container costs beside its own processes: its monitor's resident memory.
// 100 containers (`sleep 1000`) are started by 4 CLIs at a time; the rate is
// containers per second of wall time. podman's `run -d` (tools/bench/peers.mjs) is
// measured the same way, right after ours. Then each of our containers' monitor (the
// parent of its PID 1) is read from /proc: VmRSS. Targets: ≥ 2× podman's rate (and
// ≥ 10 a second); ≤ 5 MiB RSS per monitor. Every container is removed at the end.
// The last two rows have no peer: their peer is the target, so the ratio is the rate
// over 10/s (at least 1.0) and the largest RSS over 5 MiB (at most 1.0).
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cleanEnv, mydocker, repo, row, stats, workDir } from './lib.mjs';
import { podman } from './peers.mjs';

const run = promisify(execFile);
const COUNT = Number(process.env.BENCH_05_COUNT ?? 100);
const PARALLEL = 4;
const { dir: work, remove } = workDir('05');
const root = join(work, 'root');
const md = (...args) => run(mydocker, ['--root', root, ...args], { maxBuffer: 1 << 24, env: cleanEnv });
const ids = [];
let pm;
try {
  const tar = join(work, 'busybox.tar');
  execFileSync('bash', [join(repo, 'scripts', 'build-busybox-rootfs.sh'), tar], { stdio: 'ignore' });
  execFileSync(mydocker, ['--root', root, 'import', tar, 'busybox'], { stdio: 'ignore' });

  /** COUNT starts of `start()`, PARALLEL at a time: seconds of wall time */
  const rateOf = async (start) => {
    let next = 0;
    const t0 = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (next < COUNT) {
          next++;
          await start();
        }
      }),
    );
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  const seconds = await rateOf(async () => ids.push((await md('run', '-d', 'busybox', 'sleep', '1000')).stdout.trim()));
  const rate = COUNT / seconds;
  pm = podman(work, tar);
  const podmanSeconds = pm && (await rateOf(() => run('sh', ['-c', pm.run('-d busybox sleep 1000')], { env: cleanEnv })));

  const rss = [];
  for (const id of ids) {
    const pid = Number((await md('inspect', '-f', '{{.State.Pid}}', id)).stdout);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const monitor = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
    rss.push(Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${monitor}/status`, 'utf8'))[1]) / 1024);
  }
  const r = stats(rss);

  console.log(`\n## 05-lifecycle: ${COUNT} run -d, ${PARALLEL} at a time`);
  console.log(`  ${'run -d busybox sleep 1000'.padEnd(40)} ${seconds.toFixed(1).padStart(8)} s  (${rate.toFixed(1)} containers/s)`);
  if (pm) console.log(`  ${'podman run -d busybox sleep 1000'.padEnd(40)} ${podmanSeconds.toFixed(1).padStart(8)} s  (${(COUNT / podmanSeconds).toFixed(1)} containers/s)`);
  if (pm) row({ figure: `run -d, ${PARALLEL} at a time`, ours: { median: rate, runs: COUNT }, peer: { median: COUNT / podmanSeconds }, peerName: 'podman run -d', unit: 'containers/s', target: 2.0, higher: true });
  else console.log('  podman: not installed or cannot run on this host: no podman row');
  console.log(`  ${'monitor RSS per container'.padEnd(40)} ${r.median.toFixed(2).padStart(8)} MiB median, ${r.max.toFixed(2)} MiB max`);
  row({ figure: `run -d, ${PARALLEL} at a time`, ours: { median: rate, runs: COUNT }, peer: { median: 10 }, peerName: 'the target', unit: 'containers/s', target: 1.0, higher: true });
  row({
    figure: 'monitor RSS, the largest',
    ours: { median: r.max, runs: r.runs },
    peer: { median: 5 },
    peerName: 'the target',
    unit: 'MiB',
    target: 1.0,
    note: `of ${r.runs} monitors; median ${r.median.toFixed(2)} MiB`,
  });
} finally {
  await pm?.stop();
  for (let i = 0; i < ids.length; i += 25) await md('rm', '-f', ...ids.slice(i, i + 25)).catch((e) => console.error(`bench: rm -f: ${e.stderr ?? e.message}`));
  remove();
}
