// Chapter 05 benchmark: `run -d` at a sustained rate, and what each detached
// container costs beside its own processes: its monitor's resident memory.
// 100 containers (`sleep 1000`) are started by 4 CLIs at a time; the rate is
// containers per second of wall time. Then each container's monitor (the parent of
// its PID 1) is read from /proc: VmRSS. Targets: ≥ 10 run -d a second; ≤ 5 MiB RSS
// per monitor. Every container is removed at the end (rm -f).
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '..', '..');
const mydocker = join(repo, 'bin', 'mydocker');
const COUNT = Number(process.env.BENCH_05_COUNT ?? 100);
const PARALLEL = 4;
const work = mkdtempSync(join(tmpdir(), 'mydocker-bench-05-'));
const root = join(work, 'root');
const md = (...args) => run(mydocker, ['--root', root, ...args], { maxBuffer: 1 << 24 });
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
  rss.sort((a, b) => a - b);
  const median = rss[Math.floor(rss.length / 2)];
  const max = rss[rss.length - 1];

  console.log(`\n## 05-lifecycle: ${COUNT} run -d, ${PARALLEL} at a time`);
  console.log(`  ${'run -d busybox sleep 1000'.padEnd(40)} ${seconds.toFixed(1).padStart(8)} s  (${rate.toFixed(1)} containers/s)`);
  console.log(`  ${'monitor RSS per container'.padEnd(40)} ${median.toFixed(2).padStart(8)} MiB median, ${max.toFixed(2)} MiB max`);
  console.log(`  ratio ${rate.toFixed(1)} run -d/s (target ≥ 10/s) ${rate >= 10 ? 'ok' : 'MISSED'}`);
  console.log(`  ratio ${max.toFixed(2)} MiB monitor RSS, the largest (target ≤ 5 MiB) ${max <= 5 ? 'ok' : 'MISSED'}`);
} finally {
  for (let i = 0; i < ids.length; i += 25) await md('rm', '-f', ...ids.slice(i, i + 25)).catch((e) => console.error(`bench: rm -f: ${e.stderr ?? e.message}`));
  rmSync(work, { recursive: true, force: true });
}
