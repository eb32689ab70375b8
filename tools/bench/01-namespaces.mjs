// Chapter 01 benchmark: what starting a container costs, in one hyperfine run.
//   mydocker run /bin/true          the whole run: CLI, spawn, re-exec'd init, /bin/true, wait
//   mydocker --version              a bare CLI start: node + the CLI's own modules, no container
//   node -e 0                       a bare node start
//   unshare -pfmuin /bin/true       the same five namespaces from a small C program
// Target: the re-exec'd init costs ≤ 1.2× a bare `node -e 0` started with a clean
// environment (the init itself always starts with an empty one).
//
// The target is judged on the init's own report: right before execve it tells the CLI
// how long it has lived (performance.now(), from its process start, node's own start-up
// included) minus its wait for the CLI's "go"; `--debug` prints it.
// A second "init cost" is measured from outside as  run − bare CLI start  (medians). That is
// an upper bound, not the init alone: besides the init's node start, its imports and
// its work (private mounts, /proc, hostname, execve), it also holds everything the CLI
// does for `run` beyond parsing argv — loading the run pipeline and the addon, the
// container record, clone, the two pipes, waiting — and /bin/true itself. Nothing is
// subtracted that could flatter the init.
// hyperfine and every command run with a clean environment (PATH only): a host's
// environment can make every node start slower (here NODE_EXTRA_CA_CERTS adds ~33 ms),
// which would inflate `run` and the bare CLI start alike and cancel out, but would
// make the clean-env `node -e 0` look cheap beside them. So all four see the same
// environment, and `node -e 0` is exactly a clean-env node start, with no `env -i`
// process in front of it.
// The target is judged on medians, as every benchmark here. A difference of two medians
// is sensitive to a busy machine (hyperfine times one command's runs after the other's),
// so the same ratio from the fastest runs (min) is printed beside it: start-up costs
// only ever grow under load, and the minimum is the closest to what they cost alone.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..', '..');
const mydocker = join(repo, 'bin', 'mydocker');
const work = mkdtempSync(join(tmpdir(), 'mydocker-bench-01-'));
const runs = 30;
try {
  const root = join(work, 'root');
  const json = join(work, 'hyperfine.json');
  const commands = [
    ['mydocker run /bin/true', `${mydocker} --root ${root} run /bin/true`],
    ['mydocker --version (bare CLI start)', `${mydocker} --root ${root} --version`],
    ['node -e 0', `${process.execPath} -e 0`],
    ['unshare -pfmuin /bin/true', 'unshare -pfmuin /bin/true'],
  ];
  execFileSync(
    'hyperfine',
    ['-N', '--warmup', '5', '--runs', String(runs), '--export-json', json, ...commands.flatMap(([name, cmd]) => ['-n', name, cmd])],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { PATH: process.env.PATH }, timeout: 300_000 },
  );
  const results = JSON.parse(readFileSync(json, 'utf8')).results;
  const [run, cli, node, unshare] = results.map((r) => r.median * 1000);
  const init = run - cli;
  const [runMin, cliMin, nodeMin] = results.map((r) => r.min * 1000);
  const ms = (v) => `${v.toFixed(1).padStart(8)} ms`;
  console.log(`\n## 01-namespaces: start a container (median of ${runs}, clean environment)`);
  results.forEach((r, i) => console.log(`  ${r.command.padEnd(40)} ${ms(r.median * 1000)}`));
  console.log(`  ${'init cost = run − bare CLI start'.padEnd(40)} ${ms(init)}`);
  // the init's own account: it reports, right before execve, how long it has lived
  // (performance.now(): from its process start, node's own start-up included) minus
  // the time it spent waiting for the CLI's "go"
  const own = [];
  for (let i = 0; i < runs; i++) {
    const { stderr } = spawnSync(mydocker, ['--root', root, '--debug', 'run', '/bin/true'], { env: { PATH: process.env.PATH }, encoding: 'utf8' });
    const m = /init: (\d+) ms of its own/.exec(stderr);
    if (m) own.push(Number(m[1]));
  }
  own.sort((a, b) => a - b);
  const initOwn = own[Math.floor(own.length / 2)];
  console.log(`  ${"init's own time (its report, median)".padEnd(40)} ${ms(initOwn)}`);
  const ratio = initOwn / node;
  console.log(`  ratio ${ratio.toFixed(2)}× node -e 0 for the re-exec'd init, its own time (target ≤ 1.2×) ${ratio <= 1.2 ? 'ok' : 'MISSED'}`);
  console.log(`  ratio ${(init / node).toFixed(2)}× node -e 0 for run − bare CLI start (an upper bound: CLI's run pipeline included)`);
  console.log(`  ratio ${((runMin - cliMin) / nodeMin).toFixed(2)}× node -e 0 for the re-exec'd init, from the fastest runs (${(runMin - cliMin).toFixed(1)} / ${nodeMin.toFixed(1)} ms)`);
  console.log(`  ratio ${(run / node).toFixed(2)}× node -e 0 for the whole run (CLI + init: two node starts)`);
  console.log(`  ratio ${(run / unshare).toFixed(1)}× unshare -pfmuin for the whole run`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
