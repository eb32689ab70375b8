// The marker grammar of chapters/README.md, as tools/chapter.mjs applies it to one
// src/ file: which files a chapter has, which inline blocks it keeps, how replaced
// code comes back before its replacement and goes from then on, and that no marker
// line ever reaches the generated code.
import t from 'tap';
// @ts-ignore: a plain ESM tool without type declarations
import { chapterSource, chapterNumber, findChapter } from '../../tools/chapter.mjs';

type Out = { text: string; lines: number[] } | null;
const at = (src: string[], chapter: number | string, opts = {}): Out => chapterSource(src.join('\n'), chapter, opts);
const text = (src: string[], chapter: number | string): string | undefined => at(src, chapter)?.text;
const noMarkers = (s: string | undefined) => !/\/\/ (chapter:|<\/?(chapter|step|replaced-by) )|\/\/~/.test(s ?? '');

const PIPELINE = [
  '// chapter: 01-namespaces',
  "import { a } from './a.js';",
  '// <chapter 03-rootfs>',
  "import { rootfs } from './rootfs.js';",
  '// </chapter 03-rootfs>',
  '',
  'export function run() {',
  '  a();',
  '  // <chapter 02-cgroups>',
  '  limits();',
  '  // </chapter 02-cgroups>',
  '',
  '  // <replaced-by 03-rootfs>',
  '  //~ mountProc();',
  '  //~',
  '  //~   nested();',
  '  // </replaced-by 03-rootfs>',
  '  // <chapter 03-rootfs>',
  '  rootfs();',
  '  // </chapter 03-rootfs>',
  '}',
];

t.test('the header decides whether a file exists in a chapter', async (t) => {
  const file = ['// chapter: 03-rootfs', 'export const x = 1;'];
  t.equal(at(file, 1), null, 'absent in chapter 01');
  t.equal(at(file, 2), null, 'absent in chapter 02');
  t.equal(text(file, 3), 'export const x = 1;', 'present from its own chapter, without the header');
  t.equal(text(file, '06-images'), 'export const x = 1;', 'and in every later chapter (an id works as well as a number)');
  t.throws(() => at(['export const x = 1;'], 3), { name: 'MarkerError' }, 'a file without a header is an error');
  t.throws(() => at(['// chapter: 3-rootfs', 'x'], 3), { name: 'MarkerError' }, 'a header without a NN-name id is an error');
});

t.test('inline blocks of later chapters are removed, earlier ones kept', async (t) => {
  const ch1 = text(PIPELINE, 1)!;
  t.notMatch(ch1, 'rootfs', "chapter 01 has neither chapter 03's import nor its step");
  t.notMatch(ch1, 'limits', "nor chapter 02's step");
  t.match(ch1, "import { a } from './a.js';");
  const ch2 = text(PIPELINE, 2)!;
  t.match(ch2, '  limits();', 'chapter 02 has its own step');
  t.notMatch(ch2, 'rootfs');
  const ch3 = text(PIPELINE, 3)!;
  t.match(ch3, "import { rootfs } from './rootfs.js';", 'chapter 03 has its import');
  t.match(ch3, '  limits();\n', 'and the earlier chapters’ steps');
  t.match(ch3, '  rootfs();\n}', 'and its step');
});

t.test('replaced-by: uncommented before the replacing chapter, dropped from it on', async (t) => {
  for (const n of [1, 2]) {
    const s = text(PIPELINE, n)!;
    t.match(s, '\n  mountProc();\n\n    nested();\n}', `chapter 0${n}: the old code, uncommented, indentation kept`);
  }
  const ch3 = text(PIPELINE, 3)!;
  t.notMatch(ch3, 'mountProc', 'chapter 03: the old code is gone');
  t.notMatch(ch3, 'nested', 'all of it');
});

t.test('marker lines never reach the output', async (t) => {
  for (const n of [1, 2, 3, 4]) t.ok(noMarkers(text(PIPELINE, n)), `chapter 0${n}`);
});

t.test('the exact output of each chapter, and its map back to source lines', async (t) => {
  const ch1 = at(PIPELINE, 1)!;
  t.equal(
    ch1.text,
    ["import { a } from './a.js';", '', 'export function run() {', '  a();', '', '  mountProc();', '', '    nested();', '}'].join('\n'),
    'chapter 01: removed blocks leave no doubled blank line',
  );
  t.same(ch1.lines, [2, 6, 7, 8, 12, 14, 15, 16, 21], 'each output line knows its line in src/');
  t.equal(
    at(PIPELINE, 3)!.text,
    [
      "import { a } from './a.js';",
      "import { rootfs } from './rootfs.js';",
      '',
      'export function run() {',
      '  a();',
      '  limits();',
      '',
      '  rootfs();',
      '}',
    ].join('\n'),
  );
});

t.test('malformed or unbalanced markers are errors that name the line', async (t) => {
  const bad: [string, string[], RegExp][] = [
    ['unclosed', ['// chapter: 01-a', '// <chapter 02-b>', 'x'], /<input>:2: .* never closed/],
    ['closing the wrong block', ['// chapter: 01-a', '// <chapter 02-b>', 'x', '// </chapter 03-c>'], /<input>:4: .*does not close/],
    ['closing nothing', ['// chapter: 01-a', 'x', '// </chapter 02-b>'], /<input>:3: .*never opened/],
    ['nested', ['// chapter: 01-a', '// <chapter 02-b>', '// <chapter 03-c>', '// </chapter 03-c>', '// </chapter 02-b>'], /<input>:3: .*do not nest/],
    ['misspelt', ['// chapter: 01-a', '// <chapter: 02-b>', 'x', '// </chapter 02-b>'], /<input>:2: malformed marker/],
    ['bad id', ['// chapter: 01-a', '// <chapter 2-b>', 'x', '// </chapter 2-b>'], /<input>:2: .*not a chapter id/],
    ['uncommented code in replaced-by', ['// chapter: 01-a', '// <replaced-by 02-b>', 'x();', '// </replaced-by 02-b>'], /<input>:3: .*must start with "\/\/~ "/],
    ['a stray //~ line', ['// chapter: 01-a', '//~ x();'], /<input>:2: .*outside a replaced-by block/],
  ];
  for (const [name, src, re] of bad) {
    t.throws(() => at(src, 3), re, name);
  }
  const known = new Set(['01-a', '02-b']);
  t.throws(() => at(['// chapter: 01-a', '// <chapter 02-x>', 'x', '// </chapter 02-x>'], 2, { file: 'src/f.ts', knownIds: known }), /src\/f\.ts:2: chapter "02-x" is not in chapters\/index\.json/, 'an id the index does not know');
  t.equal(at(['// chapter: 01-a', '// <chapter 02-b>', 'x', '// </chapter 02-b>'], 2, { knownIds: known })!.text, 'x', 'known ids pass');
});

t.test('the same grammar in C++ comments and in binding.gyp (# comments)', async (t) => {
  const cc = ['// chapter: 01-namespaces', 'int a;', '// <chapter 08-oci>', 'int staged;', '// </chapter 08-oci>', '// <replaced-by 06-network>', '//~ const char* opts = "x:";', '// </replaced-by 06-network>', '// <chapter 06-network>', 'const char* opts = "x:X:";', '// </chapter 06-network>'];
  t.equal(at(cc, 1, { file: 'native/a.cc' })!.text, 'int a;\nconst char* opts = "x:";', 'chapter 01: no later field, the old option string');
  t.equal(at(cc, 8, { file: 'native/a.cc' })!.text, 'int a;\nint staged;\nconst char* opts = "x:X:";', 'chapter 08: all of it');
  const gyp = ['# chapter: 01-namespaces', '"sources": [', '  "a.cc",', '  # <chapter 04-security>', '  "security.cc",', '  # </chapter 04-security>', '],'];
  t.equal(at(gyp, 1, { file: 'native/binding.gyp' })!.text, '"sources": [\n  "a.cc",\n],', 'binding.gyp of chapter 01: its sources only');
  t.equal(at(gyp, 4, { file: 'native/binding.gyp' })!.text, '"sources": [\n  "a.cc",\n  "security.cc",\n],', 'chapter 04 adds security.cc');
  t.throws(() => at(['// chapter: 01-namespaces', 'x'], 1, { file: 'native/binding.gyp' }), /must be the header "# chapter: NN-name"/, 'binding.gyp takes # markers only');
});

t.test('chapter arguments: 1, 01, 01-name', async (t) => {
  const index = [{ id: '01-namespaces', title: '', tests: [] }, { id: '03-rootfs', title: '', tests: [] }];
  t.equal(findChapter(index, '1').id, '01-namespaces');
  t.equal(findChapter(index, '03').id, '03-rootfs');
  t.equal(findChapter(index, '03-rootfs').id, '03-rootfs');
  t.throws(() => findChapter(index, '2'), /no chapter "2"/);
  t.equal(chapterNumber('12-x'), 12);
});

t.test("the index's exceptions excuse a next chapter's test file from failing on the previous code", async (t) => {
  // @ts-ignore: a plain ESM tool without type declarations
  const { failsOnPreviousException } = await import('../../tools/course-check.mjs');
  const all = { id: '04-x', exceptions: { failsOnPrevious: 'the flag existed already' } };
  const one = { id: '04-x', exceptions: { failsOnPrevious: { 'test/chapters/04-a.test.ts': 'a reason' } } };
  t.equal(failsOnPreviousException(all, 'test/chapters/04-b.test.ts'), 'the flag existed already', 'a reason for all files');
  t.equal(failsOnPreviousException(one, 'test/chapters/04-a.test.ts'), 'a reason', 'a reason for one file');
  t.equal(failsOnPreviousException(one, 'test/chapters/04-b.test.ts'), null, 'not for the others');
  t.equal(failsOnPreviousException({ id: '04-x' }, 'test/chapters/04-a.test.ts'), null, 'no exceptions: none');
});

const STEPS = [
  '// chapter: 01-namespaces',
  'export function run() {',
  '  // <replaced-by 1.1>',
  "  //~ throw new Error('TODO step 1.1');",
  '  // </replaced-by 1.1>',
  '  // <step 1.1>',
  '  spawn();',
  '  // </step 1.1>',
  '  // <step 1.3>',
  '  exitCodes();',
  '  // </step 1.3>',
  '  // <chapter 02-cgroups>',
  '  limits();',
  '  // </chapter 02-cgroups>',
  '}',
];

t.test('steps: the code as it stands after a step, and the starter (N.0)', async (t) => {
  t.equal(text(STEPS, '1.0'), ['export function run() {', "  throw new Error('TODO step 1.1');", '}'].join('\n'), '1.0, the starter: the TODO, no step code');
  t.equal(text(STEPS, '1.1'), ['export function run() {', '  spawn();', '}'].join('\n'), '1.1: its code replaces the TODO');
  t.equal(text(STEPS, '1.2'), text(STEPS, '1.1'), '1.2 adds nothing to this file');
  t.equal(text(STEPS, '1.3'), ['export function run() {', '  spawn();', '  exitCodes();', '}'].join('\n'), '1.3 adds its block');
  t.equal(text(STEPS, 1), text(STEPS, '1.3'), 'the end of chapter 01 has every step of it');
  t.equal(text(STEPS, '2.1'), ['export function run() {', '  spawn();', '  exitCodes();', '  limits();', '}'].join('\n'), "a chapter block is there from the chapter's first step");
  for (const a of ['1.0', '1.1', '1.3', 1, 2]) t.ok(noMarkers(text(STEPS, a)), `no marker line at ${a}`);
  const late = ['// chapter: 01-namespaces step 1.2', 'export const x = 1;'];
  t.equal(at(late, '1.1'), null, 'a file whose header names step 1.2 is absent at 1.1');
  t.equal(text(late, '1.2'), 'export const x = 1;', 'and there from 1.2');
  t.throws(() => at(['// chapter: 01-namespaces step 2.1', ''], 1), /not a step of chapter 01-namespaces/, 'a header step of another chapter');
  t.throws(() => at(['// chapter: 01-namespaces', '// <step 01-namespaces>', '// </step 01-namespaces>'], 1), /not a step id/, 'a step marker needs a step id');
  t.throws(() => at(['// chapter: 01-namespaces', '// <step 1.9>', '// </step 1.9>'], 1, { knownIds: new Set(['01-namespaces', '1.1']) }), /step "1.9" is not in chapters\/index.json/, 'an unknown step');
});
