// Chapter 02 benchmark: what cgroup setup and teardown add to `run`. Two readings
// from one run: (1) the driver alone — create the container's cgroup with every
// limit written, then remove it — timed in-process over many rounds (the part of
// `run` that is cgroups and nothing else); (2) `mydocker run /bin/true` with and
// without limit flags under hyperfine, for scale (both make a cgroup; the
// flags add the writes). Target: setup + teardown ≤ 3 ms.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { row, stats } from './lib.mjs';

const repo = resolve(import.meta.dirname, '..', '..');
const { createCgroup } = await import(join(repo, 'dist', 'cgroups', 'index.js'));
const cgroupMode = () =>
  existsSync('/sys/fs/cgroup/cgroup.controllers') ? 'unified' : existsSync('/sys/fs/cgroup/unified/cgroup.controllers') ? 'hybrid' : 'legacy';
const { parseResources } = await import(join(repo, 'dist', 'cgroups', 'limits.js'));
const parent = `mydocker-bench-${process.pid}`;
const limits = parseResources({ memory: '64m', cpus: '0.5', cpuShares: '512', cpusetCpus: '0', pidsLimit: '100' });

const rounds = 200;
const times = [];
for (let i = 0; i < rounds + 10; i++) {
  const start = performance.now();
  const cg = createCgroup(`${parent}/bench-${i}`, limits);
  await cg.remove();
  if (i >= 10) times.push(performance.now() - start); // the first rounds warm up
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];

const work = mkdtempSync(join(tmpdir(), 'mydocker-bench-02-'));
try {
  const json = join(work, 'hyperfine.json');
  const mydocker = `${join(repo, 'bin', 'mydocker')} --root ${join(work, 'root')} run --cgroup-parent ${parent}`;
  execFileSync(
    'hyperfine',
    ['-N', '--warmup', '3', '--runs', '20', '--export-json', json,
      '-n', 'run /bin/true', `${mydocker} /bin/true`,
      '-n', 'run -m --cpus --cpuset-cpus --pids-limit /bin/true', `${mydocker} -m 64m --cpus 0.5 --cpuset-cpus 0 --pids-limit 100 /bin/true`],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const [plain, limited] = JSON.parse(readFileSync(json, 'utf8')).results;
  const ms = (s) => (s * 1000).toFixed(1);
  console.log(`\n## 02-cgroups: cgroup setup + teardown (${cgroupMode()} mode)`);
  console.log(`  driver: create with 5 limits + remove   ${median.toFixed(2).padStart(8)} ms (median of ${rounds})`);
  console.log(`  ${plain.command.padEnd(52)} ${ms(plain.median).padStart(8)} ms`);
  console.log(`  ${limited.command.padEnd(52)} ${ms(limited.median).padStart(8)} ms`);
  row({ figure: 'cgroup setup + teardown (5 limits)', ours: stats(times), peer: { median: 3 }, peerName: 'the 3 ms budget', target: 1.0, note: `${cgroupMode()} mode, in-process driver` });
} finally {
  rmSync(work, { recursive: true, force: true });
}
