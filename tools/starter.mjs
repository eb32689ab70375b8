// The starter (`npm run starter -- [DIR]`, default ./starter): the package a learner writing
// mydocker in TypeScript fills in, step by step. It is chapter 01 before its first step
// (`npm run chapter -- 1.0`): the command line, logging, errors, the addon's syscall
// wrappers chapter 01 needs and the tests' wiring, with `run` a TODO (src/run.ts). Its
// README lists every step of chapter 01: the book section, the check, and the files the
// step adds or changes (read off the steps' own code, so the list cannot drift).
// It never writes over a folder that holds anything: that may be the learner's work.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chapterTree, generate, loadIndex, REPO } from './chapter.mjs';

/** the src/ files that differ between two points of the course (added, changed or gone) */
function changed(chapter, index, from, to) {
  const a = chapterTree(chapter, { index, at: from });
  const b = chapterTree(chapter, { index, at: to });
  const files = new Set([...a.keys(), ...b.keys()]);
  return [...files].filter((f) => a.get(f)?.text !== b.get(f)?.text).sort().map((f) => `src/${f}${a.has(f) ? '' : ' (new)'}`);
}

export function writeStarter(dir, { index = loadIndex() } = {}) {
  if (existsSync(dir) && readdirSync(dir).length) throw new Error(`${dir} is not empty: it may be your work; remove it or name another folder (npm run starter -- DIR)`);
  const chapter = index[0];
  const n = chapter.id.slice(0, 2).replace(/^0/, '');
  const g = generate(chapter, { index, at: `${n}.0`, dir });
  if (!g.build.ok) throw new Error(`the starter does not build:\n${g.build.output}`);
  const repo = relative(dir, REPO) || '.';
  const steps = chapter.steps ?? [];
  const lines = [
    `# mydocker, your own: the starter`,
    '',
    `Written by \`npm run starter\`. It is chapter ${chapter.id} before its first step: the command line`,
    '(`src/cli.ts`, `src/cli/`, `src/toolkit/`), logging, errors, the addon with the syscall wrappers',
    "chapter 01 needs (`src/native.ts`; its C++ is the repository's `native/`, built for chapter 01),",
    'and `run`, which is yours: `src/run.ts` says TODO. This folder is yours; nothing rewrites it.',
    '',
    '```sh',
    'npm run build                       # here: tsc, src/ → dist/',
    'sudo ./bin/mydocker run /bin/echo hi  # until step 1.1: "mydocker: TODO step 1.1: …", exit 125',
    `cd ${repo} && sudo npm run check -- --step 1.1 --impl ${dir}/bin/mydocker`,
    '```',
    '',
    "It uses the repository's npm packages and its chapter 01 addon through links",
    "(`node_modules`, `native`): keep it where it is (or write a new one with `npm run starter -- DIR`).",
    '',
    'Each step: read its section of the book, write it, build, check it. `--step 1.3` checks',
    'steps 1.1 to 1.3 (add `--only` for 1.3 alone); the first failure shows the command the test',
    'ran, what it expected, what it got and the section to read again.',
    '',
    "| step | what you write | where the repository's own solution writes it (yours may differ: the tests only run bin/mydocker) |",
    '|---|---|---|',
    ...steps.map((s, i) => `| [${s.id}](${relative(dir, REPO)}/${s.anchor}) | ${s.title} | ${changed(chapter, index, i ? steps[i - 1].id : `${n}.0`, s.id).join(', ')} |`),
    '',
    `After step ${steps[steps.length - 1]?.id ?? '?'}, \`sudo npm run check -- --chapter 1 --impl ${dir}/bin/mydocker\` checks the whole chapter.`,
    'Stuck? `npm run chapter -- 1.3` writes the repository\'s code as it stands after step 1.3',
    '(build/steps/1.3), and `npm run chapter -- 1.3 --diff` shows what that step wrote.',
    '',
  ];
  writeFileSync(resolve(dir, 'README.md'), lines.join('\n'));
  return { dir, build: g.build };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.length > 1) {
    console.error('usage: npm run starter -- [DIR]   (default: ./starter; never over a folder that holds anything)');
    process.exitCode = args.includes('--help') ? 0 : 2;
  } else {
    try {
      const { dir } = writeStarter(resolve(args[0] ?? 'starter'));
      const rel = relative(process.cwd(), dir) || '.';
      console.log(`starter: ${rel} (built). Read ${rel}/README.md, then book/01-namespaces.md, step 1.1.`);
    } catch (e) {
      console.error(`starter: ${e.message}`);
      process.exitCode = 1;
    }
  }
}
