// The test command (`npm test`): runs tap over the chosen test files one file at a
// time (each black-box file checks that nothing leaked, which needs the machine to
// itself) and ends with the line CI reads: `N passed, N failed`.
//   npm test                    every test: unit, chapters, internal (our runtime only), cgroup v2 VM
//   npm test -- --unit          unit tests only (no root needed)
//   npm test -- --vm            the cgroup v2 tests in a VM
//   npm test -- FILE...         just these files
import { spawn } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const list = (dir) =>
  existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.test.ts')).sort().map((f) => join(dir, f)) : [];
let files = args.filter((a) => !a.startsWith('--'));
if (!files.length) {
  if (args.includes('--unit')) files = list('test/unit');
  else if (args.includes('--vm')) files = list('test/vm');
  else files = [...list('test/unit'), ...list('test/chapters'), ...list('test/internal'), ...list('test/vm')];
}
process.exit(await runTap(files));

export async function runTap(files, env = process.env) {
  const tap = join('node_modules', 'tap', 'dist', 'esm', 'run.mjs');
  const child = spawn(
    process.execPath,
    [tap, '--disable-coverage', '-R', 'tap', '--jobs=1', '--timeout=1800', ...files],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...env, TAP_COLORS: '0' } },
  );
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
    process.stdout.write(d);
  });
  const code = await new Promise((r) => child.on('close', (c) => r(c ?? 1)));
  const { pass, fail, skip, todo } = count(out);
  console.log(`${skip} skipped${todo ? `, ${todo} todo (known bugs, not counted as passed)` : ""}`);
  console.log(`${pass} passed, ${fail} failed`);
  return fail > 0 || code !== 0 ? 1 : 0;
}

/** tap's summary counts assertions; a file that failed without a failed assertion
 *  (a crash, a timeout, a throw in teardown) counts as one more failure */
function count(out) {
  // tap's closing summary, e.g. `# { total: 839, pass: 823, todo: 15, skip: 1 }` (keys in any order)
  const m = out.match(/^# \{ total: \d+(?:, \w+: \d+)* \}$/m);
  const key = (k) => Number(m?.[0].match(new RegExp(`\\b${k}: (\\d+)`))?.[1] ?? 0);
  let pass = key('pass');
  let fail = key('fail');
  const skip = key('skip');
  const todo = key('todo');
  let block = [];
  for (const line of out.split('\n')) {
    if (/^not ok \d+ /.test(line)) {
      if (!block.some((l) => /^\s+not ok \d+/.test(l) && !/# (SKIP|TODO)/.test(l))) fail++;
      block = [];
    } else if (/^ok \d+ /.test(line)) {
      block = [];
    } else {
      block.push(line);
    }
  }
  if (!m && fail === 0) fail = 1; // no summary at all: tap itself failed
  return { pass, fail, skip, todo };
}
