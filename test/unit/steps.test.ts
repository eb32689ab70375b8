// The steps of chapters/index.json (tools/steps.mjs): every chapter test in exactly one
// step, ids in order, each anchor a heading of the book with its "Check this step" box;
// and check's report for people (tools/check.mjs) from a run's TAP.
import t from 'tap';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../harness/index.js';
import { loadIndex } from '../../tools/chapter.mjs';
import { allSteps, boxLine, cards, checkSteps, listTests, selection, slug, STEPS_PENDING, stepsUpTo } from '../../tools/steps.mjs';
import { parseResults, plan, report } from '../../tools/check.mjs';

const index = loadIndex(REPO);

t.test('the repository: every test of a chapter with steps is in exactly one step, anchors and boxes are in place', async (t) => {
  const { problems } = checkSteps(REPO, index);
  t.same(problems.map((p) => `${p.file}:${p.line}: ${p.msg}`), [], 'no problem with the steps');
  for (const c of index.slice(0, 4)) t.ok(c.steps && c.steps.length >= 3 && c.steps.length <= 7, `${c.id}: 3 to 7 steps`);
  t.same(cards(REPO, index).map((c) => c.msg), [], "the cards' test lists are what npm run book writes");
});

t.test('the repository: step ids are N.1, N.2, … in order, each test is named once', async (t) => {
  const ids = allSteps(index).map((s: { id: string }) => s.id);
  const sorted = [...ids].sort((a, b) => {
    const [a1, a2] = a.split('.').map(Number);
    const [b1, b2] = b.split('.').map(Number);
    return a1 - b1 || a2 - b2;
  });
  t.same(ids, sorted, 'ids in order');
  const names = allSteps(index).flatMap((s: { tests: Record<string, string[]> }) => Object.entries(s.tests).flatMap(([f, ns]) => ns.map((n) => `${f}: ${n}`)));
  t.equal(new Set(names).size, names.length, 'no test in two steps');
  t.same(
    index.filter((c: { steps?: unknown }) => !c.steps).map((c: { id: string }) => c.id),
    STEPS_PENDING,
    'the chapters without steps are exactly those STEPS_PENDING lists',
  );
});

t.test('listTests reads top-level t.test and test wrappers, with their escapes', async (t) => {
  const text = [
    "t.test('plain', async () => {});",
    't.test("double \\"quoted\\"", async () => {});',
    "test('a wrapper\\'s test', async () => {});",
    "  t.test('nested: not top-level', async () => {});",
    "t.test('escapes \\\\r\\\\n and \\x41', async () => {});",
  ].join('\n');
  t.same(
    listTests(text).map((x: { name: string }) => x.name),
    ['plain', 'double "quoted"', "a wrapper's test", 'escapes \\r\\n and A'],
    'the names as JavaScript reads them',
  );
});

t.test("slug is GitHub's anchor of a heading", async (t) => {
  t.equal(slug('Step 1.3: What the init does: propagation, /proc, the hostname'), 'step-13-what-the-init-does-propagation-proc-the-hostname', 'punctuation dropped');
  t.equal(slug("Step 4.2: --user: the container's own /etc/passwd"), 'step-42---user-the-containers-own-etcpasswd', 'dashes kept');
  t.equal(slug('Step 3.1: overlay and pivot_root'), 'step-31-overlay-and-pivot_root', 'underscores kept');
});

t.test('stepsUpTo and selection: every step up to X.Y, or X.Y alone, each test once', async (t) => {
  t.same(stepsUpTo(index, '1.3').map((s: { id: string }) => s.id), ['1.1', '1.2', '1.3'], 'up to 1.3');
  t.same(stepsUpTo(index, '2.1').map((s: { id: string }) => s.id).slice(-2), ['1.7', '2.1'], "all of chapter 01's steps, then 2.1");
  t.same(stepsUpTo(index, '1.3', { only: true }).map((s: { id: string }) => s.id), ['1.3'], '--only');
  t.throws(() => stepsUpTo(index, '9.9'), /no step "9.9"/, 'an unknown step names the steps there are');
  const sel = selection(stepsUpTo(index, '3.5'));
  for (const [file, names] of sel) t.equal(new Set(names).size, names.length, `${file}: no test selected twice`);
  const p = plan(index, { step: '1.2', only: false });
  t.same(p.env, { MYDOCKER_STEPS: '1.1,1.2' }, 'the harness is told the steps');
  t.same(p.files, ['test/chapters/01-namespaces.test.ts'], 'one file, run once');
});

/** a fake repository: one chapter with one test file and a book */
function fake(t: Tap.Test, { steps, tests, book }: { steps: unknown[]; tests: string; book: string }) {
  const dir = mkdtempSync(join(tmpdir(), 'mydocker-steps-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'test', 'chapters'), { recursive: true });
  mkdirSync(join(dir, 'book'));
  writeFileSync(join(dir, 'test', 'chapters', '01-x.test.ts'), tests);
  writeFileSync(join(dir, 'book', '01-x.md'), book);
  return { dir, index: [{ id: '01-x', title: 'x', tests: ['test/chapters/01-x.test.ts'], steps }] };
}
const step = (id: string, names: string[], anchor = 'book/01-x.md#step-11-one') => ({ id, title: 'one', anchor, tests: { 'test/chapters/01-x.test.ts': names } });
const BOOK = `# x\n\n## Step 1.1: One\n\ntext\n\n${boxLine('1.1')}\n`;

t.test('checkSteps names a test in no step, in two steps, a name no file has, a wrong id, a missing anchor or box', async (t) => {
  const tests = "t.test('a', async () => {});\nt.test('b', async () => {});\n";
  const msgs = (steps: unknown[], book = BOOK) => {
    const f = fake(t, { steps, tests, book });
    return checkSteps(f.dir, f.index).problems.map((p: { msg: string }) => p.msg).join('\n');
  };
  t.equal(msgs([step('1.1', ['a', 'b'])]), '', 'all in place: no problem');
  t.match(msgs([step('1.1', ['a'])]), /'b' is in no step of 01-x/, 'a test in no step is named');
  t.match(msgs([step('1.1', ['a', 'b']), step('1.2', ['b'], 'book/01-x.md#step-11-one')]), /'b' is in two steps \(1\.1 and 1\.2\)/, 'a test in two steps');
  t.match(msgs([step('1.1', ['a', 'b', 'c'])]), /has no test 'c'/, 'a name no test has');
  t.match(msgs([step('1.2', ['a', 'b'])]), /its id must be 1\.1/, 'ids are numbered in order');
  t.match(msgs([step('1.1', ['a', 'b'], 'book/01-x.md#nowhere')]), /no "## " heading with anchor #nowhere/, 'an anchor the book lacks');
  t.match(msgs([step('1.1', ['a', 'b'])], '# x\n\n## Step 1.1: One\n\ntext\n'), /has no box/, 'a step section without its box');
  t.match(msgs([step('1.1', ['a', 'b'])], `# x\n\n## Step 1.1: One\n\n${boxLine('1.2')}\n`), /names another command/, 'a box naming another step');
  const f = fake(t, { steps: [], tests, book: BOOK });
  const pending = checkSteps(f.dir, [{ id: '02-y', title: 'y', tests: [] }]).problems.map((p: { msg: string }) => p.msg);
  t.match(pending.join('\n'), /02-y has no "steps" \(and is not in STEPS_PENDING/, 'a chapter without steps must be pending');
});

t.test("the report for people: a line per step, the first failure in full, the first failing step, then N passed, N failed", async (t) => {
  const failure = {
    file: 'test/chapters/01-x.test.ts',
    test: 'b',
    step: '1.2',
    anchor: 'book/01-x.md#step-12-two',
    hint: 'think of PID 1',
    command: "mydocker --root /tmp/r run /bin/sh -c 'echo $$'",
    message: 'echo $$ prints 1',
    expected: '1\n',
    got: '2179\n',
  };
  const tap = [
    '# Subtest: test/chapters/01-x.test.ts',
    '    # Subtest: a',
    '        ok 1 - fine',
    '    ok 1 - a # time=3ms',
    '    # Subtest: b',
    '        not ok 1 - echo $$ prints 1',
    `        # mydocker-failure ${JSON.stringify(failure)}`,
    '    not ok 2 - b # time=5ms',
    '    ok 3 - nothing leaked: mounts, processes, cgroups # time=1ms',
    'not ok 1 - test/chapters/01-x.test.ts # time=10ms',
  ].join('\n');
  const results = parseResults(tap);
  t.same(results.tests.map((x: { name: string; ok: boolean }) => [x.name, x.ok]), [['a', true], ['b', false], ['nothing leaked: mounts, processes, cgroups', true]], 'the top-level tests');
  t.equal(results.failures.length, 1, "the harness's failure report");
  const lines: string[] = [];
  const groups = [
    { key: '1.1', step: true, title: 'one', label: 'step 1.1 one', anchor: 'book/01-x.md#step-11-one', expect: [{ file: 'test/chapters/01-x.test.ts', name: 'a' }] },
    { key: '1.2', step: true, title: 'two', label: 'step 1.2 two', anchor: 'book/01-x.md#step-12-two', expect: [{ file: 'test/chapters/01-x.test.ts', name: 'b' }] },
  ];
  const r = report(groups, results, { log: (l: string) => lines.push(l) });
  t.same(r, { pass: 1, fail: 1 }, 'tests counted');
  const text = lines.join('\n');
  t.match(text, /^step 1\.1 one\s+ok \(1 test\)$/m, 'a line per step: ok');
  t.match(text, /^step 1\.2 two\s+FAILED: 1 of 1 test$/m, 'a line per step: failed');
  t.match(text, /ran: {7}mydocker --root \/tmp\/r run \/bin\/sh -c 'echo \$\$'/, 'the command the test ran');
  t.match(text, /expected: {2}"1\\n"\n {2}got: {7}"2179\\n"/, 'expected against got');
  t.match(text, /read: {6}book\/01-x\.md#step-12-two/, 'the book section');
  t.match(text, /hint: {6}think of PID 1/, 'the hint');
  t.same(lines.slice(-2), ['first failing step: 1.2 — two', '1 passed, 1 failed'], 'the last lines: the first failing step, then the counts');
});

t.test('the step 1.1 sketch in book 01 is the one the chapter describes (CLONE_NEWPID, the addon spawn)', async (t) => {
  const book = readFileSync(join(REPO, 'book', '01-namespaces.md'), 'utf8');
  const at = book.indexOf('## Step 1.1:');
  t.ok(at >= 0 && book.slice(0, at).split('\n').length < 80, 'step 1.1 starts early in the chapter');
  const code = book.indexOf('cloneFlags: CLONE_NEWPID', at);
  t.ok(code > 0 && book.slice(0, code).split('\n').length <= 150, "the learner's first code is within the first 150 lines");
});
