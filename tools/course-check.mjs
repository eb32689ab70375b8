// CI's proof that the course holds together (`sudo npm run course`): for every chapter
// N of chapters/index.json,
//   1. the code at the end of N is generated (tools/chapter.mjs) and builds;
//   2. the tests of chapters 1..N all pass against it;
//   3. each test file of chapter N+1 fails against it: otherwise chapter N+1 teaches
//      nothing its tests can see. The index may excuse a file, with the reason:
//      "exceptions": { "failsOnPrevious": "reason" | { "test/chapters/FILE": "reason" } }
//      on chapter N+1's entry.
// A chapter whose code src/ splits by steps (step markers, chapters/README.md) is proved
// step by step in 2. (with --own): the starter N.0 builds and fails step N.1's tests; each
// step's code builds, passes its own tests and fails the next step's.
// Prints one line per chapter, the failures' details under it, and the closing line
// `N passed, N failed` (counting chapters). Test output goes to build/chapters/course-logs/.
//   --chapter N   only chapter N (1, 01 or 01-namespaces)
//   --lock FILE   run each test batch under flock FILE (the machine-wide test lock)
//   --own         step 2 runs chapter N's own tests only, and none for the last chapter,
//                 whose code is src/ without its marker lines, which `npm test` has just
//                 run every test against. CI uses it: tests 1..N for every N cost the sum
//                 of all chapters' test times once per chapter (over an hour at eight
//                 chapters on a 2-core machine); the full check stays one command away.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findChapter, generate, loadIndex, MarkerError, REPO } from './chapter.mjs';
import { runTests, testFiles } from './check.mjs';
import { removeTaggedCgroups } from './leftovers.mjs';

const LOGS = join(REPO, 'build', 'chapters', 'course-logs');
const SUMMARY_RE = /^\d+ passed, \d+ failed$/; // never echoed: CI sums such lines

/** the reason chapter `next` excuses `file` from failing on the previous chapter's code, if any */
export function failsOnPreviousException(next, file) {
  const e = next.exceptions?.failsOnPrevious;
  if (typeof e === 'string') return e;
  if (e && typeof e === 'object' && typeof e[file] === 'string') return e[file];
  return null;
}

/** the failed tests of a captured tap run, as short lines */
function failures(output, max = 12) {
  const lines = output
    .split('\n')
    .filter((l) => /^\s*not ok \d+ - /.test(l) && !/# (SKIP|TODO)/.test(l))
    .map((l) => l.trim().replace(/^not ok \d+ - /, '✗ ').replace(/ # time=.*$/, ''));
  return lines.length > max ? [...lines.slice(0, max), `… ${lines.length - max} more`] : lines;
}

/** knip's report on a generated chapter, or '' when every export is used */
function knip(dir) {
  const r = spawnSync(process.execPath, [join(REPO, 'node_modules', 'knip', 'bin', 'knip.js'), '--no-progress', '--no-config-hints'], { cwd: dir, encoding: 'utf8' });
  return r.status === 0 ? '' : `${r.stdout}${r.stderr}`.trim() || `knip exited with ${r.status}`;
}

const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** check one chapter; returns { ok, line, details: string[] } */
export async function checkChapter(index, chapter, { lock, own = false } = {}) {
  const t0 = Date.now();
  const details = [];
  const done = (ok, what) => ({ ok, line: `${ok ? 'ok  ' : 'FAIL'} ${chapter.id.padEnd(16)} ${what.join('; ')} [${secs(Date.now() - t0)}]`, details });
  const what = [];

  // 1. generate and build
  let g;
  try {
    g = generate(chapter, { index });
  } catch (e) {
    if (!(e instanceof MarkerError)) throw e;
    details.push(...e.message.split('\n'));
    return done(false, ['marker errors in src/']);
  }
  if (!g.build.ok) {
    details.push(...g.build.output.split('\n').slice(0, 30));
    return done(false, ['does not build']);
  }
  what.push(`builds (${secs(g.build.ms)})`);
  // nothing exported that this chapter never uses (tsc already refuses unused locals)
  const unused = knip(g.dir);
  if (unused) {
    details.push(...unused.split('\n').slice(0, 20));
    return done(false, [...what, 'exports what it never uses (knip)']);
  }
  const impl = join(g.dir, 'bin', 'mydocker');
  mkdirSync(LOGS, { recursive: true });
  let ok = true;

  // 2. the tests of chapters 1..N pass. A chapter whose code is split by steps (src/ has
  // step markers for it) proves it step by step instead, each test once, against the code
  // of its own step (--own: its tests are then not run again against the chapter's end)
  const last = index.indexOf(chapter) === index.length - 1;
  const stepwise = own && !last && stepsMarked(chapter);
  if (stepwise) {
    const r = await checkSteps(index, chapter, { lock });
    what.push(r.what);
    details.push(...r.details);
    if (!r.ok) ok = false;
  }
  const mine = (own && last) || stepwise ? { files: [], missing: [] } : testFiles(index, chapter, { latestOnly: own });
  if (own && last) what.push('tests: run by npm test (this code is src/)');
  for (const m of mine.missing) details.push(`chapter ${m.chapter}: test file ${m.file} does not exist (yet)`);
  if (mine.files.length) {
    const r = await runTests(mine.files, impl, { lock, quiet: true });
    const log = join(LOGS, `${chapter.id}.log`);
    writeFileSync(log, r.output);
    if (r.code === 0 && r.pass > 0) {
      what.push(`tests ${own ? '' : '1..'}${chapter.id.slice(0, 2)}: ${r.pass} passed${r.skip ? `, ${r.skip} skipped` : ''}`);
    } else {
      ok = false;
      what.push(`tests ${own ? '' : '1..'}${chapter.id.slice(0, 2)}: ${r.pass} passed, ${r.fail} failed${r.pass === 0 && r.fail === 0 ? ' (all skipped?)' : ''}`);
      details.push(...failures(r.output), `(log: ${relative(process.cwd(), log)})`);
    }
  }
  if (mine.missing.length) {
    ok = false;
    what.push(`${mine.missing.length} test file(s) missing`);
  }

  // 3. the next chapter's tests fail against this chapter's code
  const next = index[index.indexOf(chapter) + 1];
  if (next) {
    const theirs = testFiles(index, next, { latestOnly: true });
    for (const m of theirs.missing) details.push(`chapter ${m.chapter}: test file ${m.file} does not exist (yet), so nothing shows it fails here`);
    if (theirs.missing.length) ok = false;
    if (theirs.files.length) {
      // one tap run per file, each stopping at its first failure: one is all it takes
      const r = { output: '', files: new Map() };
      for (const f of theirs.files) {
        const one = await bailed([f], impl, { lock });
        r.output += one.output;
        r.files.set(f, one.files.get(f));
      }
      const log = join(LOGS, `${chapter.id}.next.log`);
      writeFileSync(log, r.output);
      const passing = theirs.files.filter((f) => r.files.get(f) === true);
      const excused = passing.filter((f) => failsOnPreviousException(next, f) !== null);
      const wrong = passing.filter((f) => failsOnPreviousException(next, f) === null);
      const failing = theirs.files.length - passing.length;
      what.push(`${next.id}'s tests fail here (${failing}/${theirs.files.length} files${excused.length ? `, ${excused.length} excused` : ''})`);
      for (const f of excused) details.push(`excused: ${f} passes here: ${failsOnPreviousException(next, f)}`);
      if (wrong.length) {
        ok = false;
        for (const f of wrong) details.push(`${f} passes against chapter ${chapter.id}'s code: chapter ${next.id} teaches nothing it checks (or list an exception with a reason in chapters/index.json) (log: ${relative(process.cwd(), log)})`);
      }
    }
  }
  return done(ok, what);
}

/**
 * Tests run to see them fail, stopping at the first failure (--bail): their teardowns do
 * not run then, so the run is tagged (MYDOCKER_TEST_TAG), given a TMPDIR of its own, and
 * what it left in cgroups and /tmp is taken away afterwards.
 */
async function bailed(files, impl, { lock, env = {} }) {
  const tag = `c${randomBytes(3).toString('hex')}x`;
  const tmp = mkdtempSync(join(tmpdir(), 'mydocker-course-'));
  try {
    return await runTests(files, impl, { lock, quiet: true, env: { ...env, TMPDIR: tmp, MYDOCKER_TEST_TAG: tag }, args: ['--bail'] });
  } finally {
    removeTaggedCgroups(tag);
    const mounted = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4]?.startsWith(tmp));
    if (!mounted) rmSync(tmp, { recursive: true, force: true }); // a mount left there is never deleted through
  }
}

/** does src/ (or native/) mark code by the steps of `chapter`? Then each step has code of its own to check */
export function stepsMarked(chapter, repo = REPO) {
  const ids = new Set((chapter.steps ?? []).map((s) => s.id));
  if (!ids.size) return false;
  const re = /(?:^\/\/ chapter: \S+ step |^\s*\/\/ <\/?(?:step|replaced-by) )(\d+\.\d+)/gm;
  const scan = (dir) =>
    readdirSync(dir, { withFileTypes: true }).some((e) => {
      const p = join(dir, e.name);
      if (e.isDirectory()) return e.name !== 'build' && scan(p);
      return /\.(ts|cc|c|h)$/.test(e.name) && [...readFileSync(p, 'utf8').matchAll(re)].some((m) => ids.has(m[1]));
    });
  return scan(join(repo, 'src')) || scan(join(repo, 'native'));
}

/** the test files of one step (the keys of its "tests"), and the env that selects its tests in them */
const stepRun = (step) => ({ files: Object.keys(step.tests ?? {}), env: { MYDOCKER_STEPS: step.id } });

/**
 * A chapter split by steps: the starter (N.0) builds and fails step N.1's tests; each step's
 * code builds, passes its own tests and fails the next step's (the last step's code is the
 * chapter's end, which the next chapter's tests are run against). Returns { ok, what, details }.
 */
async function checkSteps(index, chapter, { lock }) {
  const steps = chapter.steps;
  const n = chapter.id.slice(0, 2).replace(/^0/, '');
  const points = [`${n}.0`, ...steps.map((s) => s.id)];
  const details = [];
  let tests = 0;
  for (const [i, at] of points.entries()) {
    const g = generate(chapter, { index, at });
    if (!g.build.ok) {
      details.push(`step ${at}: does not build`, ...g.build.output.split('\n').slice(0, 20));
      return { ok: false, what: `steps: ${at} does not build`, details };
    }
    const impl = join(g.dir, 'bin', 'mydocker');
    if (i > 0) {
      const own = stepRun(steps[i - 1]);
      const r = await runTests(own.files, impl, { lock, quiet: true, env: own.env });
      writeFileSync(join(LOGS, `step-${at}.log`), r.output);
      tests += r.pass + r.fail;
      if (r.code !== 0 || r.pass === 0) {
        details.push(`step ${at}: its own tests fail against its code: ${r.pass} passed, ${r.fail} failed`, ...failures(r.output), `(log: ${relative(process.cwd(), join(LOGS, `step-${at}.log`))})`);
        return { ok: false, what: `steps: ${at}'s tests fail`, details };
      }
    }
    const next = steps[i];
    if (next) {
      const theirs = stepRun(next);
      let failing = false;
      let output = '';
      for (const f of theirs.files) {
        const r = await bailed([f], impl, { lock, env: theirs.env });
        output += r.output;
        if (r.files.get(f) !== true) failing = true; // with --bail a failing file may not get its own line
        if (failing) break;
      }
      writeFileSync(join(LOGS, `step-${at}.next.log`), output);
      if (!failing) {
        details.push(`step ${next.id}'s tests pass against step ${at}'s code: step ${next.id} teaches nothing its tests can see (log: ${relative(process.cwd(), join(LOGS, `step-${at}.next.log`))})`);
        return { ok: false, what: `steps: ${next.id} passes on ${at}`, details };
      }
    }
  }
  return { ok: true, what: `steps ${points[0]}…${points[points.length - 1]}: each builds, passes its own tests (${tests} assertions) and fails the next step's`, details };
}

async function main(argv) {
  let only;
  let lock;
  let own = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    if (flag === '--chapter') only = inline ?? argv[++i];
    else if (flag === '--lock') lock = inline ?? argv[++i];
    else if (flag === '--own') own = true;
    else throw new Error(`unknown argument "${argv[i]}" (usage: npm run course -- [--chapter N] [--lock FILE] [--own])`);
  }
  if (process.getuid?.() !== 0) {
    console.error('course: the chapter tests need root (they would all be skipped): sudo npm run course');
    return 2;
  }
  const index = loadIndex();
  const chapters = only === undefined ? index : [findChapter(index, only)];
  let passed = 0;
  let failed = 0;
  for (const c of chapters) {
    const r = await checkChapter(index, c, { lock, own });
    console.log(r.line);
    for (const d of r.details) if (!SUMMARY_RE.test(d)) console.log(`       ${d}`);
    if (r.ok) passed++;
    else failed++;
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e) => {
      console.error(`course: ${e.message}`);
      process.exitCode = 2;
    },
  );
}
