// The test runner's readers of tap output (tools/test.mjs) and the wrong-implementation
// check's (tools/wrong-check.mjs): what they count from a captured run.
import t from 'tap';
import { count, countTests } from '../../tools/test.mjs';
import { failedTests, readHeader } from '../../tools/wrong-check.mjs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const run = [
  '# Subtest: test/chapters/01-x.test.ts',
  '    # Subtest: first',
  '        ok 1 - a',
  '        ok 2 - b',
  '        1..2',
  '    ok 1 - first # time=1ms',
  '    # Subtest: second',
  '        not ok 1 - the check that failed',
  '        1..1',
  '    not ok 2 - second # time=2ms',
  '    ok 3 - skipped one # SKIP needs root',
  '    1..3',
  'not ok 1 - test/chapters/01-x.test.ts # time=3ms',
  '# { total: 3, pass: 2, fail: 1 }',
].join('\n');

t.test('countTests counts the top-level tests of each file, not assertions', async (t) => {
  const m = countTests(run, ['test/chapters/01-x.test.ts']);
  t.same(m.get('test/chapters/01-x.test.ts'), { pass: 1, fail: 1, skip: 1, crashed: false });
});

t.test('a file tap never reported (killed) counts one failed test', async (t) => {
  const m = countTests('', ['test/chapters/02-y.test.ts']);
  t.equal(m.get('test/chapters/02-y.test.ts').fail, 1);
  t.equal(count('').fail, 1, 'no summary: one failure');
});

t.test('count reads the assertions from the summary', async (t) => {
  t.same(count(run), { pass: 2, fail: 1, skip: 0, todo: 0 });
});

t.test('failedTests names the failed assertion and the tests around it (bail stops before the test line)', async (t) => {
  const bailed = run.split('\n').slice(0, 8).join('\n') + '\nBail out! # the check that failed';
  t.same(failedTests(bailed).sort(), ['second', 'the check that failed']);
  t.notOk(failedTests(run).includes('first'), 'a passing test is not named');
  t.notOk(failedTests(run).some((n: string) => n.endsWith('.test.ts')), 'the file itself is not a test name');
});

t.test('readHeader reads the tests and expect lines of a wrong implementation', async (t) => {
  const f = join(mkdtempSync(join(tmpdir(), 'mydocker-unit-')), 'x.sh');
  writeFileSync(f, '#!/bin/bash\n# Wrong: no thing.\n# tests: a.test.ts b.test.ts\n# expect: caught (here|there)\nset -e\n');
  const h = readHeader(f);
  t.same(h.tests, ['a.test.ts', 'b.test.ts']);
  t.ok(h.expect.test('caught there'));
  t.equal(h.what, 'Wrong: no thing.');
});
