// CI's proof that the course holds together (`sudo npm run course`): for every chapter
// N of chapters/index.json,
//   1. the code at the end of N is generated (tools/chapter.mjs) and builds;
//   2. the tests of chapters 1..N all pass against it;
//   3. each test file of chapter N+1 fails against it: otherwise chapter N+1 teaches
//      nothing its tests can see. The index may excuse a file, with the reason:
//      "exceptions": { "failsOnPrevious": "reason" | { "test/chapters/FILE": "reason" } }
//      on chapter N+1's entry.
// Prints one line per chapter, the failures' details under it, and the closing line
// `N passed, N failed` (counting chapters). Test output goes to build/chapters/course-logs/.
//   --chapter N   only chapter N (1, 01 or 01-namespaces)
//   --lock FILE   run each test batch under flock FILE (the machine-wide test lock)
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findChapter, generate, loadIndex, MarkerError, REPO } from './chapter.mjs';
import { runTests, testFiles } from './check.mjs';

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
export async function checkChapter(index, chapter, { lock } = {}) {
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

  // 2. the tests of chapters 1..N pass
  const mine = testFiles(index, chapter);
  for (const m of mine.missing) details.push(`chapter ${m.chapter}: test file ${m.file} does not exist (yet)`);
  if (mine.files.length) {
    const r = await runTests(mine.files, impl, { lock, quiet: true });
    const log = join(LOGS, `${chapter.id}.log`);
    writeFileSync(log, r.output);
    if (r.code === 0 && r.pass > 0) {
      what.push(`tests 1..${chapter.id.slice(0, 2)}: ${r.pass} passed${r.skip ? `, ${r.skip} skipped` : ''}`);
    } else {
      ok = false;
      what.push(`tests 1..${chapter.id.slice(0, 2)}: ${r.pass} passed, ${r.fail} failed${r.pass === 0 && r.fail === 0 ? ' (all skipped?)' : ''}`);
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
        const one = await runTests([f], impl, { lock, quiet: true, args: ['--bail'] });
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

async function main(argv) {
  let only;
  let lock;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    if (flag === '--chapter') only = inline ?? argv[++i];
    else if (flag === '--lock') lock = inline ?? argv[++i];
    else throw new Error(`unknown argument "${argv[i]}" (usage: npm run course -- [--chapter N] [--lock FILE])`);
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
    const r = await checkChapter(index, c, { lock });
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
