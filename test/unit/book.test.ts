// tools/book.mjs on a small fake repository: it fills excerpts exactly (JSDoc in,
// chapter markers out, the code as of the book's chapter), and its check catches
// stale excerpts, dangling directives and a chapter's code that is never shown.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO } from '../harness/index.js';

const TOOL = join(REPO, 'tools', 'book.mjs');

const DEMO_TS = `// chapter: 03-demo
// A file chapter 03 brings.
import { base } from './base.js';

/** adds one */
export function addOne(n: number): number {
  return base(n) + 1;
}

// about something else

export class Box {
  /** the value inside */
  value = 0;
  /** put v in the box */
  put(v: number): void {
    this.value = v;
  }
}
`;

const BASE_TS = `// chapter: 01-start
export function base(n: number): number {
  // <replaced-by 03-demo>
  //~ return n;
  // </replaced-by 03-demo>
  // <chapter 03-demo>
  return n * 2;
  // </chapter 03-demo>
}
`;

const BOOK = (extra = '') => `# Chapter 03 — demo

Prose stays as it is.

<!-- code: src/demo.ts#addOne -->
\`\`\`ts
\`\`\`

<!-- code: src/demo.ts#Box.put -->
\`\`\`ts
\`\`\`

<!-- code: src/base.ts#chapter 03-demo -->
\`\`\`ts
\`\`\`
${extra}`;

const BOOK01 = `# Chapter 01

<!-- code: src/base.ts#base -->
\`\`\`ts
\`\`\`

An example in a fence is not a directive:

\`\`\`md
<!-- code: src/nowhere.ts#nothing -->
\`\`\`
`;

function fixture(t: Test, book = BOOK()): string {
  const dir = mkdtempSync(join(tmpdir(), 'mydocker-book-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const put = (rel: string, text: string) => {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };
  put('src/demo.ts', DEMO_TS);
  put('src/base.ts', BASE_TS);
  put('book/03-demo.md', book);
  put('book/01-start.md', BOOK01);
  return dir;
}

function tool(dir: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [TOOL, '--repo', dir, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

const block = (md: string, directive: string) => {
  const at = md.indexOf(directive);
  const open = md.indexOf('```ts\n', at) + 6;
  return md.slice(open, md.indexOf('\n```', open));
};

t.test('a filled book passes the check, and the excerpts are the source text', async (t) => {
  const dir = fixture(t);
  t.equal(tool(dir, '--check').code, 1, 'empty blocks are stale before filling');
  const fill = tool(dir);
  t.equal(fill.code, 0, fill.out);
  const check = tool(dir, '--check');
  t.equal(check.code, 0, check.out);
  const md = readFileSync(join(dir, 'book/03-demo.md'), 'utf8');
  t.match(md, /^# Chapter 03 — demo\n\nProse stays as it is.\n/, 'prose untouched');
  t.equal(block(md, 'src/demo.ts#addOne'), '/** adds one */\nexport function addOne(n: number): number {\n  return base(n) + 1;\n}');
  t.equal(block(md, 'src/demo.ts#Box.put'), '/** put v in the box */\nput(v: number): void {\n  this.value = v;\n}', 'a member, dedented, with its JSDoc');
  t.equal(block(md, 'src/base.ts#chapter 03-demo'), '// in function base:\nreturn n * 2;', 'marker lines stripped');
  const md01 = readFileSync(join(dir, 'book/01-start.md'), 'utf8');
  t.equal(block(md01, 'src/base.ts#base'), 'export function base(n: number): number {\n  return n;\n}', 'chapter 01 sees the code as it was before chapter 03');
  t.equal(tool(dir).out.trim(), 'book: up to date', 'a second fill changes nothing');
});

t.test('a stale excerpt is reported with file:line', async (t) => {
  const dir = fixture(t);
  t.equal(tool(dir).code, 0);
  writeFileSync(join(dir, 'src/demo.ts'), DEMO_TS.replace('+ 1', '+ 2'));
  const r = tool(dir, '--check');
  t.equal(r.code, 1);
  t.match(r.out, /^book\/03-demo\.md:5: stale excerpt src\/demo\.ts#addOne/m);
  t.notMatch(r.out, /Box\.put/, 'only the changed excerpt is reported');
});

t.test('dangling directives are reported', async (t) => {
  const dir = fixture(t, BOOK('\n<!-- code: src/demo.ts#noSuchThing -->\n```ts\n```\n\n<!-- code: src/gone.ts#x -->\n```ts\n```\n'));
  const r = tool(dir, '--check');
  t.equal(r.code, 1);
  t.match(r.out, /^book\/03-demo\.md:17: dangling directive src\/demo\.ts#noSuchThing: no top-level declaration "noSuchThing"/m);
  t.match(r.out, /^book\/03-demo\.md:21: dangling directive src\/gone\.ts#x: no such file/m);
  t.notMatch(r.out, /nowhere/, 'a directive inside a fenced example is ignored');
  t.equal(tool(dir).code, 1, 'filling does not hide a dangling directive');
});

t.test("a chapter's file that is never shown fails, unless the book says why", async (t) => {
  const dir = fixture(t);
  writeFileSync(join(dir, 'src/extra.ts'), '// chapter: 03-demo\nexport const X = 1;\n');
  t.equal(tool(dir).code, 1);
  const r = tool(dir, '--check');
  t.equal(r.code, 1);
  t.match(r.out, /^book\/03-demo\.md:1: src\/extra\.ts arrives in chapter 03-demo but is never shown/m);
  t.equal(r.out.split('\n').filter((l) => /^book\//.test(l)).length, 1, 'one line for the one problem');

  const md = readFileSync(join(dir, 'book/03-demo.md'), 'utf8');
  writeFileSync(join(dir, 'book/03-demo.md'), md + '\n<!-- not-shown: src/extra.ts — a constant, nothing to learn -->\n');
  const ok = tool(dir, '--check');
  t.equal(ok.code, 0, ok.out);
});

t.test("a chapter's inline block in an older file must be shown too", async (t) => {
  const dir = fixture(t, BOOK().replace(/<!-- code: src\/base\.ts#chapter 03-demo -->\n```ts\n```\n/, ''));
  const r = tool(dir, '--check');
  t.equal(r.code, 1);
  t.match(r.out, /^book\/03-demo\.md:1: src\/base\.ts changes in chapter 03-demo \(line 7\) but the change is never shown/m);
});

t.test("book/README.md's contents link every chapter file, and only existing ones", async (t) => {
  const dir = fixture(t);
  t.equal(tool(dir).code, 0);
  writeFileSync(join(dir, 'book/README.md'), '# Book\n\n- [03-demo](03-demo.md)\n- [09-later](09-later.md)\n');
  const r = tool(dir, '--check');
  t.equal(r.code, 1);
  t.match(r.out, /^book\/README\.md:4: links to book\/09-later\.md, which does not exist/m);
  t.match(r.out, /^book\/README\.md:1: the contents do not link to book\/01-start\.md/m);
  t.notMatch(r.out, /03-demo\.md/, 'a linked chapter is fine');
});

// ---- native/: the syscalls where they live ----------------------------------------

const ADDON_CC = `// chapter: 01-start
// the addon: thin wrappers
#include <napi.h>

namespace {

// a forward declaration is not the definition
int Child(void* p);

// Strings copied before clone(): the child must not allocate.
struct Args {
  const char* file;
  int fds[4];  // { not a brace that counts }
};

[[noreturn]] void Fail(Args* a) {
  _exit(127);
}

/* the child: only async-signal-safe calls
   until execve */
int Child(void* p) {
  Args* a = static_cast<Args*>(p);
  if (a->file[0] == '{') {
    const char* s = "}}} not code";
    (void)s;
  }
  execve(a->file, nullptr, nullptr);
  Fail(a);
}

// ---------------------------------------------------------------- spawn
// spawn({file}) -> {pid}
Napi::Value Spawn(const Napi::CallbackInfo& info) {
  Args a;
  int pid = clone(Child, nullptr, CLONE_VFORK, &a);
  return Napi::Number::New(info.Env(), pid);
}

}  // namespace
`;

const NATIVE_BOOK = `# Chapter 03 — demo

<!-- code: native/addon.cc#Args -->
\`\`\`cpp
\`\`\`

<!-- code: native/addon.cc#Fail -->
\`\`\`cpp
\`\`\`

<!-- code: native/addon.cc#Child -->
\`\`\`cpp
\`\`\`

<!-- code: native/addon.cc#Spawn -->
\`\`\`cpp
\`\`\`
`;

function nativeFixture(t: Test, extra = ''): string {
  const dir = fixture(t, BOOK(NATIVE_BOOK.replace(/^# .*\n/, '') + extra));
  mkdirSync(join(dir, 'native'));
  writeFileSync(join(dir, 'native/addon.cc'), ADDON_CC);
  return dir;
}

const cppBlock = (md: string, directive: string) => {
  const at = md.indexOf(directive);
  const open = md.indexOf('```cpp\n', at) + 7;
  return md.slice(open, md.indexOf('\n```', open));
};

t.test('a native/ directive shows a top-level C++ function or struct with its comment, fenced as cpp', async (t) => {
  const dir = nativeFixture(t);
  const fill = tool(dir);
  t.equal(fill.code, 0, fill.out);
  const check = tool(dir, '--check');
  t.equal(check.code, 0, check.out);
  const md = readFileSync(join(dir, 'book/03-demo.md'), 'utf8');
  const lines = ADDON_CC.split('\n');
  const slice = (from: string, to: string) => lines.slice(lines.indexOf(from), lines.indexOf(to, lines.indexOf(from)) + 1).join('\n');
  t.equal(cppBlock(md, 'native/addon.cc#Args'), slice('// Strings copied before clone(): the child must not allocate.', '};'), 'struct Name {, comment above, a brace in a comment ignored');
  t.equal(cppBlock(md, 'native/addon.cc#Fail'), '[[noreturn]] void Fail(Args* a) {\n  _exit(127);\n}', '[[noreturn]] void Name(');
  t.equal(cppBlock(md, 'native/addon.cc#Child'), slice('/* the child: only async-signal-safe calls', '  Fail(a);') + '\n}', 'int Name(: the definition, not the forward declaration; braces in strings and chars skipped');
  t.equal(cppBlock(md, 'native/addon.cc#Spawn'), slice('// spawn({file}) -> {pid}', '  return Napi::Number::New(info.Env(), pid);') + '\n}', 'Napi::Value Name(, a ruler above is not its comment');
  t.notMatch(md, /```ts\n(struct|int|Napi|\[\[)/, 'C++ is never fenced as ts');
});

t.test('a native/ excerpt goes stale when the C++ changes, and a missing name dangles', async (t) => {
  const dir = nativeFixture(t, '\n<!-- code: native/addon.cc#Nothing -->\n```cpp\n```\n\n<!-- code: native/addon.cc#chapter 03-demo -->\n```cpp\n```\n');
  t.equal(tool(dir).code, 1, 'dangling directives fail the fill');
  writeFileSync(join(dir, 'native/addon.cc'), ADDON_CC.replace('_exit(127)', '_exit(126)'));
  const r = tool(dir, '--check');
  t.equal(r.code, 1);
  t.match(r.out, /^book\/03-demo\.md:\d+: stale excerpt native\/addon\.cc#Fail/m);
  t.notMatch(r.out, /stale excerpt native\/addon\.cc#Spawn/, 'only the changed function is stale');
  t.match(r.out, /dangling directive native\/addon\.cc#Nothing: no top-level function or struct "Nothing" in native\/addon\.cc/);
  t.match(r.out, /dangling directive native\/addon\.cc#chapter 03-demo: native\/addon\.cc: native\/ excerpts take a function or struct/);
});

t.test('native/ has the chapter markers too: each chapter sees its own C++', async (t) => {
  const cc = `// chapter: 01-start
struct Args {
  const char* file;
  // <chapter 03-demo>
  int uidMap;  // chapter 03's field
  // </chapter 03-demo>
};

// <chapter 03-demo>
// Stage: chapter 03's first stage
int Stage(void* p) {
  return 0;
}
// </chapter 03-demo>
`;
  const dir = fixture(t);
  writeFileSync(join(dir, 'book/01-start.md'), BOOK01 + '\n<!-- code: native/addon.cc#Args -->\n```cpp\n```\n');
  writeFileSync(join(dir, 'book/03-demo.md'), BOOK('\n<!-- code: native/addon.cc#Args -->\n```cpp\n```\n\n<!-- code: native/addon.cc#Stage -->\n```cpp\n```\n'));
  mkdirSync(join(dir, 'native'));
  writeFileSync(join(dir, 'native/addon.cc'), cc);
  const fill = tool(dir);
  t.equal(fill.code, 0, fill.out);
  const md01 = readFileSync(join(dir, 'book/01-start.md'), 'utf8');
  const md03 = readFileSync(join(dir, 'book/03-demo.md'), 'utf8');
  t.equal(cppBlock(md01, 'native/addon.cc#Args'), 'struct Args {\n  const char* file;\n};', "chapter 01's struct has no chapter 03 field and no marker line");
  t.equal(cppBlock(md03, 'native/addon.cc#Args'), "struct Args {\n  const char* file;\n  int uidMap;  // chapter 03's field\n};", 'chapter 03 sees its field');
  t.equal(cppBlock(md03, 'native/addon.cc#Stage'), "// Stage: chapter 03's first stage\nint Stage(void* p) {\n  return 0;\n}", 'the comment above, not the marker above it');
  writeFileSync(join(dir, 'book/01-start.md'), BOOK01 + '\n<!-- code: native/addon.cc#Stage -->\n```cpp\n```\n');
  const r = tool(dir, '--check');
  t.match(r.out, /book\/01-start\.md:\d+: dangling directive native\/addon\.cc#Stage: .*not in the code at the end of chapter 1/, 'chapter 01 cannot show a function of chapter 03');
  writeFileSync(join(dir, 'native/addon.cc'), cc.replace('// chapter: 01-start\n', ''));
  t.match(tool(dir, '--check').out, /native\/addon\.cc has broken chapter markers .*header/, 'a native file without its header is an error');
});

t.test("a name a file adds to another module's interface shows its declare module block", async (t) => {
  const dir = fixture(t, BOOK('\n<!-- code: src/feature.ts#Options -->\n```ts\n```\n'));
  writeFileSync(
    join(dir, 'src/feature.ts'),
    `// chapter: 03-demo
import type { Step } from './base.js';

declare module './base.js' {
  interface Options {
    /** the feature's flag */
    level: number;
  }
}

export const featureStep: Step = { name: 'feature' };
`,
  );
  const fill = tool(dir);
  t.equal(fill.code, 0, fill.out);
  const md = readFileSync(join(dir, 'book/03-demo.md'), 'utf8');
  t.equal(block(md, 'src/feature.ts#Options'), "declare module './base.js' {\n  interface Options {\n    /** the feature's flag */\n    level: number;\n  }\n}");
});

t.test("an excerpt in a '## Step N.M' section shows the code as it stands after that step", async (t) => {
  const dir = fixture(t);
  const STEPPED = `// chapter: 01-start
export function go(): number {
  // <replaced-by 1.2 from 1.1>
  //~ return 1;
  // </replaced-by 1.2>
  // <step 1.2>
  return 2;
  // </step 1.2>
}
`;
  writeFileSync(join(dir, 'src/stepped.ts'), STEPPED);
  const excerptOf = '<!-- code: src/stepped.ts#go -->\n```ts\n```\n';
  const stepOf = '<!-- code: src/stepped.ts#step 1.1 -->\n```ts\n```\n';
  writeFileSync(join(dir, 'book/01-start.md'), `${BOOK01}\n## Step 1.1: one\n\n${excerptOf}\n${stepOf}\n## Step 1.2: two\n\n${excerptOf}\n## After the steps\n\n${excerptOf}`);
  const fill = tool(dir);
  t.equal(fill.code, 0, fill.out);
  const md = readFileSync(join(dir, 'book/01-start.md'), 'utf8');
  const blocks = [...md.matchAll(/```ts\n([\s\S]*?)\n```/g)].map((m) => m[1]).slice(1); // after BOOK01's own
  t.equal(blocks[0], 'export function go(): number {\n  return 1;\n}', "step 1.1's section: step 1.1's version");
  t.equal(blocks[1], '// in function go:\nreturn 1;', "'step 1.1' shows the code step 1.1 writes");
  t.equal(blocks[2], 'export function go(): number {\n  return 2;\n}', "step 1.2's section: step 1.2 replaced it");
  t.equal(blocks[3], blocks[2], "after the steps: the chapter's end");
});

t.test('a link to a section of the book names a heading that exists', async (t) => {
  const dir = fixture(t, BOOK('\n## A heading, with punctuation!\n\nSee [here](#a-heading-with-punctuation), [there](01-start.md#chapter-01) and [gone](#no-such-heading).\n'));
  tool(dir);
  const check = tool(dir, '--check');
  t.equal(check.code, 1, 'the check fails');
  t.match(check.out, /book\/03-demo\.md:\d+: the link to #no-such-heading names no heading of book\/03-demo\.md/, 'naming the broken link');
  t.notMatch(check.out, /a-heading-with-punctuation|chapter-01/, 'and only it: a heading with punctuation and one in another file resolve');
});
