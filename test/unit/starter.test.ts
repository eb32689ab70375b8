// npm run starter: the package a TypeScript learner starts from (tools/starter.mjs).
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-ignore: a plain ESM tool without type declarations
import { writeStarter } from '../../tools/starter.mjs';
// @ts-ignore: a plain ESM tool without type declarations
import { loadIndex } from '../../tools/chapter.mjs';

t.test('the starter: chapter 01 before its first step, built, run a TODO, each step listed', async (t) => {
  const parent = mkdtempSync(join(tmpdir(), 'mydocker-starter-test-'));
  t.teardown(() => rmSync(parent, { recursive: true, force: true }));
  const dir = join(parent, 'starter');
  const { build } = writeStarter(dir);
  t.ok(build.ok, `it builds: ${build.output}`);
  t.ok(existsSync(join(dir, 'dist', 'cli.js')), 'dist/cli.js is there after the build');
  t.match(readFileSync(join(dir, 'src', 'run.ts'), 'utf8'), /TODO step 1\.1/, 'src/run.ts says TODO step 1.1');
  t.notOk(existsSync(join(dir, 'src', 'init.ts')), 'no init yet: that is step 1.2');
  const readme = readFileSync(join(dir, 'README.md'), 'utf8');
  for (const s of loadIndex()[0].steps) t.match(readme, `| ${s.title} |`, `the README lists step ${s.id}`);
  t.match(readme, /src\/init\.ts \(new\)/, 'and the files a step adds (1.2: src/init.ts)');
  writeFileSync(join(dir, 'mine.txt'), 'my work');
  t.throws(() => writeStarter(dir), /not empty/, 'it never writes over a folder that holds anything');
  t.equal(readFileSync(join(dir, 'mine.txt'), 'utf8'), 'my work', 'and what was there is untouched');
});
