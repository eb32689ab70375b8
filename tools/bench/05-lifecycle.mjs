// Chapter 05 benchmark: `run -d` at a sustained rate, and what each detached
// container costs beside its own processes: its monitor's resident memory.
// 100 containers (`sleep 1000`) are started by 4 CLIs at a time; the rate is
// containers per second of wall time. Then each container's monitor (the parent of
// its PID 1) is read from /proc: VmRSS. Targets: ≥ 10 run -d a second; ≤ 5 MiB RSS
// per monitor. Every container is removed at the end (rm -f).
// Neither figure has a peer here: each row's peer is its target, so its ratio is the
// rate over 10/s (at least 1.0) and the largest RSS over 5 MiB (at most 1.0).
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cleanEnv, mydocker, repo, row, stats, workDir } from './lib.mjs';

const run = promisify(execFile);
const COUNT = Number(process.env.BENCH_05_COUNT ?? 100);
const PARALLEL = 4;
const { dir: work, remove } = workDir('05');
const root = join(work, 'root');
const md = (...args) => run(mydocker, ['--root', root, ...args], { maxBuffer: 1 << 24, env: cleanEnv });
const ids = [];
try {
  const tar = join(work, 'busybox.tar');
  execFileSync('bash', [join(repo, 'scripts', 'build-busybox-rootfs.sh'), tar], { stdio: 'ignore' });
  execFileSync(mydocker, ['--root', root, 'import', tar, 'busybox'], { stdio: 'ignore' });

  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < COUNT) {
        next++;
        ids.push((await md('run', '-d', 'busybox', 'sleep', '1000')).stdout.trim());
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rate = COUNT / seconds;

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
  for (let i = 0; i < ids.length; i += 25) await md('rm', '-f', ...ids.slice(i, i + 25)).catch((e) => console.error(`bench: rm -f: ${e.stderr ?? e.message}`));
  remove();
}
