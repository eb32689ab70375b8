// Chapter 02 benchmark: what cgroup setup and teardown add to `run`. Two readings
// from one run: (1) the driver alone — create the container's cgroup with every
// limit written, then remove it — timed in-process over many rounds (the part of
// `run` that is cgroups and nothing else); (2) `mydocker run /bin/true` with and
// without limit flags under hyperfine, for scale (both make a cgroup; the
// flags add the writes). Target: setup + teardown ≤ 3 ms.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { hyperfine, mydocker, repo, row, stats, workDir } from './lib.mjs';

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
const driver = stats(times);

const work = workDir('02');
try {
  const run = `${mydocker} --root ${join(work.dir, 'root')} run --cgroup-parent ${parent}`;
  const t = hyperfine(
    [
      ['run /bin/true', `${run} /bin/true`],
      ['run -m --cpus --cpuset-cpus --pids-limit /bin/true', `${run} -m 64m --cpus 0.5 --cpuset-cpus 0 --pids-limit 100 /bin/true`],
    ],
    { runs: 20, warmup: 3, dir: work.dir },
  );
  console.log(`\n## 02-cgroups: cgroup setup + teardown (${cgroupMode()} mode)`);
  console.log(`  driver: create with 5 limits + remove   ${driver.median.toFixed(2).padStart(8)} ms (median of ${rounds})`);
  for (const [name, r] of Object.entries(t)) console.log(`  ${name.padEnd(52)} ${r.median.toFixed(1).padStart(8)} ms`);
  row({ figure: 'cgroup setup + teardown (5 limits)', ours: driver, peer: { median: 3 }, peerName: 'the 3 ms budget', target: 1.0, note: `${cgroupMode()} mode, in-process driver` });
} finally {
  work.remove();
}
