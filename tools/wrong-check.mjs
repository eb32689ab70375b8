// CI's proof that the chapter tests catch known mistakes (`sudo npm run wrong`): for each
// known-wrong implementation test/wrong/NN-name/WHAT.sh (see test/wrong/README.md),
//   1. copy the generated code of chapter NN (tools/chapter.mjs) to build/wrong/NN-name--WHAT/;
//   2. plant the bug: `bash WHAT.sh COPY` (it fails loudly when its anchor text moved);
//   3. build the copy, check that it starts (`--help`);
//   4. run the test files named on the script's `# tests:` line against it, in the test
//      sandbox (tools/test.mjs), stopping at the first failure (--bail), with a time limit;
//   5. the wrong implementation is caught when the tests fail and a failed test's name
//      matches the script's `# expect:` regex.
// One line per script, then `N passed, N failed` (a pass = a wrong implementation caught).
//   npm run wrong -- [SCRIPT|CHAPTER-DIR ...] [--timeout SEC] [--keep] [--jobs N]   (N checks side by side)
//   SCRIPT: test/wrong/01-namespaces/leaked-fd.sh or 01-namespaces/leaked-fd.sh;
//   CHAPTER-DIR: 01-namespaces (its scripts). --keep: leave the copies in build/wrong/.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chapterDir, compile, findChapter, generate, loadIndex, REPO } from './chapter.mjs';
import { removeTaggedCgroups } from './leftovers.mjs';
import { runTests, smokeCheck } from './check.mjs';

const WRONG = join(REPO, 'test', 'wrong');
const OUT = join(REPO, 'build', 'wrong');
const SUMMARY_RE = /^\d+ passed, \d+ failed$/;

/** the header lines of a wrong-implementation script: { tests: string[], expect: RegExp | null, what } */
export function readHeader(file) {
  const lines = readFileSync(file, 'utf8').split('\n');
  const tests = (lines.find((l) => l.startsWith('# tests:')) ?? '').slice('# tests:'.length).trim().split(/\s+/).filter(Boolean);
  const e = lines.find((l) => l.startsWith('# expect:'));
  const what = lines.filter((l) => l.startsWith('# ')).map((l) => l.slice(2)).find((l) => l.startsWith('Wrong:')) ?? '';
  return { tests, expect: e ? new RegExp(e.slice('# expect:'.length).trim()) : null, what };
}

/** every script, or the ones named: [{ chapter, name, file }] */
export function listScripts(args = []) {
  const all = [];
  for (const d of existsSync(WRONG) ? readdirSync(WRONG, { withFileTypes: true }) : []) {
    if (!d.isDirectory()) continue;
    for (const f of readdirSync(join(WRONG, d.name)).sort()) if (f.endsWith('.sh')) all.push({ chapter: d.name, name: f, file: join(WRONG, d.name, f) });
  }
  if (!args.length) return all;
  return all.filter((s) => args.some((a) => {
    const rel = relative(WRONG, resolve(a)).replace(/\/$/, '');
    const plain = a.replace(/^test\/wrong\//, '').replace(/\/$/, '');
    return [rel, plain].some((x) => x === `${s.chapter}/${s.name}` || x === s.chapter);
  }));
}

/**
 * the names of what failed in a captured tap run: each failed assertion and the tests
 * around it (with --bail, tap stops before it prints the failed test's own line)
 */
export function failedTests(output) {
  const names = new Set();
  const open = new Map(); // indentation → the name of the subtest opened there
  for (const line of output.split('\n')) {
    const sub = /^(\s*)# Subtest: (.*)$/.exec(line);
    if (sub) {
      open.set(sub[1].length, sub[2]);
      for (const k of [...open.keys()]) if (k > sub[1].length) open.delete(k);
      continue;
    }
    const bad = /^(\s*)not ok \d+ - (.*?)(?: # time=.*)?$/.exec(line);
    if (!bad || /# (SKIP|TODO)/.test(line)) continue;
    names.add(bad[2]);
    for (const [k, name] of open) if (k < bad[1].length) names.add(name);
  }
  return [...names].filter((n) => !/\.test\.ts$/.test(n));
}


const secs = (ms) => `${Math.round(ms / 1000)} s`;

/** check one script; { ok, line, details } */
export async function checkWrong(index, s, { timeout = 300, keep = false, generated = new Set() } = {}) {
  const t0 = Date.now();
  const label = `${s.chapter}/${s.name}`;
  const details = [];
  const done = (ok, what) => ({ ok, line: `${ok ? 'ok  ' : 'FAIL'} ${label.padEnd(40)} ${what} [${secs(Date.now() - t0)}]`, details });
  const header = readHeader(s.file);
  if (!header.tests.length) return done(false, 'no "# tests:" line: nothing to run');
  let chapter;
  try {
    chapter = findChapter(index, s.chapter);
  } catch (e) {
    return done(false, `unknown chapter folder: ${e.message}`);
  }
  // 1. the chapter's code (generated once per run), copied: same depth under build/, so the
  //    relative symlinks to node_modules, native/ and scripts/ still resolve
  if (!generated.has(chapter.id)) {
    generate(chapter, { index, build: false });
    generated.add(chapter.id);
  }
  const copy = join(OUT, `${chapter.id}--${basename(s.name, '.sh')}`);
  rmSync(copy, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  cpSync(chapterDir(chapter), copy, { recursive: true, verbatimSymlinks: true });
  try {
    // 2. plant the bug
    const patch = spawnSync('bash', [s.file, copy], { encoding: 'utf8' });
    if (patch.status !== 0) {
      details.push(...`${patch.stdout}${patch.stderr}`.trim().split('\n'));
      return done(false, 'the script no longer applies (its anchor text moved: update it)');
    }
    // 3. build it, and see that it starts
    const build = compile(copy, new Map());
    if (!build.ok) {
      details.push(...build.output.split('\n').slice(0, 20));
      return done(false, 'the wrong implementation does not build');
    }
    const impl = join(copy, 'bin', 'mydocker');
    const broken = smokeCheck(impl);
    if (broken) return done(false, `the wrong implementation does not start: ${broken}`);
    // 4. its tests, in the sandbox; what they leave in /tmp and in cgroups goes afterwards
    const tag = `w${randomBytes(3).toString('hex')}x`;
    const tmp = mkdtempSync(join(tmpdir(), 'mydocker-wrong-'));
    let r;
    try {
      r = await runTests(header.tests, impl, {
        quiet: true,
        args: ['--bail', '--file-timeout', String(timeout)],
        env: { TMPDIR: tmp, MYDOCKER_TEST_TAG: tag },
      });
    } finally {
      const left = removeTaggedCgroups(tag);
      if (left.length) details.push(`cgroups left behind (busy): ${left.join(' ')}`);
      const mounted = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.split(' ')[4]?.startsWith(tmp));
      if (mounted.length) details.push(`mounts left under ${tmp} (not removed): ${mounted.length}`);
      else rmSync(tmp, { recursive: true, force: true });
    }
    writeFileSync(join(OUT, `${chapter.id}--${basename(s.name, '.sh')}.log`), r.output);
    // 5. caught?
    const failed = failedTests(r.output);
    if (r.code === 0 && r.fail === 0) return done(false, `NOT caught: ${header.tests.join(' ')} passed against it (${r.pass} assertions)`);
    const matching = header.expect ? failed.filter((n) => header.expect.test(n)) : failed;
    if (!matching.length) {
      details.push(`failed tests: ${failed.join(' | ') || '(none named: a crash or a timeout)'}`, `(log: ${relative(process.cwd(), join(OUT, `${chapter.id}--${basename(s.name, '.sh')}.log`))})`);
      return done(false, `caught, but not by the expected test (/${header.expect?.source}/)`);
    }
    return done(true, `caught by: ${matching[0]}`);
  } finally {
    if (!keep) rmSync(copy, { recursive: true, force: true });
  }
}

async function main(argv) {
  let timeout = 300;
  let keep = false;
  let jobs = 1;
  const names = [];
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    if (flag === '--timeout') timeout = Number(inline ?? argv[++i]);
    else if (flag === '--keep') keep = true;
    else if (flag === '--jobs') jobs = Math.max(1, Number(inline ?? argv[++i]) || 1);
    else if (flag.startsWith('--')) throw new Error(`unknown argument "${argv[i]}" (usage: npm run wrong -- [SCRIPT|CHAPTER ...] [--timeout SEC] [--keep] [--jobs N])`);
    else names.push(argv[i]);
  }
  if (process.getuid?.() !== 0) {
    console.error('wrong: the chapter tests need root: sudo npm run wrong');
    return 2;
  }
  const index = loadIndex();
  const scripts = listScripts(names);
  if (!scripts.length) throw new Error(`no wrong implementation matches ${names.join(' ') || '(none in test/wrong/)'}`);
  const t0 = Date.now();
  let passed = 0;
  let failed = 0;
  const generated = new Set();
  // each chapter's code is generated once, before any check copies it (checks may run side by side)
  for (const s of scripts) {
    try {
      const chapter = findChapter(index, s.chapter);
      if (!generated.has(chapter.id)) generate(chapter, { index, build: false });
      generated.add(chapter.id);
    } catch {
      // an unknown chapter folder: its check says so
    }
  }
  // --jobs N: N checks at a time (each has its own copy, tag, temp dir and sandbox)
  const queue = [...scripts];
  const worker = async () => {
    for (let s = queue.shift(); s; s = queue.shift()) {
      const r = await checkWrong(index, s, { timeout, keep, generated });
      console.log([r.line, ...r.details.filter((d) => !SUMMARY_RE.test(d)).map((d) => `       ${d}`)].join('\n'));
      if (r.ok) passed++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, scripts.length) }, worker));
  console.log(`# ${scripts.length} wrong implementations in ${secs(Date.now() - t0)}; a pass is one that the tests caught`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e) => {
      console.error(`wrong: ${e.message}`);
      process.exitCode = 2;
    },
  );
}
