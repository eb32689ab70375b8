// The chapter splitter: `npm run chapter -- N [--diff] [--no-build]` writes the complete
// runnable code as it stands at the end of chapter N to build/chapters/NN-name/ (its own
// package: src/, tsconfig, bin/mydocker, the chapter's tests; node_modules is a symlink to
// the repo's), builds its own addon from the chapter's native/ (build/native/<hash>/,
// linked as native/) and its TypeScript with tsc, and prints what changed since chapter
// N-1. N is 1, 01 or 01-namespaces.
//
// The chapters and their tests are listed in chapters/index.json, one entry a chapter:
//   { "id": "03-rootfs", "title": "…", "tests": ["test/chapters/03-rootfs.test.ts", …],
//     "exceptions": { "failsOnPrevious": "reason" | { "test/chapters/FILE": "reason" } } }
// `exceptions.failsOnPrevious` excuses this chapter's tests (all, or the files named) from
// failing against the previous chapter's code (tools/course-check.mjs), with the reason.
//
// The marker grammar (chapters/README.md) is applied by chapterSource(), a pure function.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const ID_RE = /^(\d{2})-[a-z0-9]+(?:-[a-z0-9]+)*$/;
const STEP_RE = /^(\d+)\.(\d+)$/;

/**
 * The grammar's regular expressions for one comment syntax: `//` (TypeScript, C, C++)
 * or `#` (native/binding.gyp, a Python literal)
 */
function grammar(comment = '//') {
  const c = comment.replace(/[/#]/g, '\\$&');
  return {
    header: new RegExp(`^${c} chapter: (\\S+)(?: step (\\S+))?\\s*$`),
    marker: new RegExp(`^\\s*${c} <(\\/?)(chapter|step|replaced-by) (\\S+)(?: from (\\S+))?>\\s*$`),
    markerish: new RegExp(`^\\s*${c}\\s*<\\/?\\s*(chapter|step|replaced-by)\\b`),
    commented: new RegExp(`^(\\s*)${c}~(?: (.*))?$`),
  };
}

/** the comment syntax of a file the grammar applies to, by its name; null: no markers (copied as is) */
export function commentOf(file) {
  if (/\.(ts|c|cc|h)$/.test(file)) return '//';
  if (file.endsWith('.gyp')) return '#';
  return null;
}

export class MarkerError extends Error {
  name = 'MarkerError';
  /** where: file and 1-based line, when the error is about a place in a file */
  constructor(message, where = {}) {
    super(where.file ? `${where.file}:${where.line}: ${message}` : message);
    this.file = where.file;
    this.line = where.line;
    this.detail = message;
  }
}

/** the chapter number of an id ("03-rootfs" → 3, "3.2" → 3), an index entry, or a number */
export function chapterNumber(id) {
  if (typeof id === 'number') return id;
  if (id && typeof id === 'object') id = id.id; // an index entry
  const step = STEP_RE.exec(id ?? '');
  if (step) return Number(step[1]);
  const m = ID_RE.exec(id);
  if (!m) throw new MarkerError(`"${id}" is not a chapter id (NN-name)`);
  return Number(m[1]);
}

/**
 * Where in the course a marker's code arrives, as [chapter, step]: a chapter id is that
 * chapter's start ([3, 0]), a step id "3.2" is [3, 2].
 */
function arrival(id) {
  const step = STEP_RE.exec(id);
  return step ? [Number(step[1]), Number(step[2])] : [chapterNumber(id), 0];
}

/**
 * The point in the course a generated tree stands at, as [chapter, step]: the end of a
 * chapter (a number, an id or an index entry: [3, Infinity]) or the end of a step ("3.2":
 * [3, 2]; "1.0" is chapter 01 before its first step, the starter).
 */
export function target(at) {
  if (typeof at === 'string' && STEP_RE.test(at)) return arrival(at);
  return [chapterNumber(at), Infinity];
}

/** a ≤ b, for [chapter, step] pairs */
const upTo = (a, b) => a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]);

/**
 * One src/ file as it stands at `at` (the end of a chapter: a number or an id; or the end
 * of a step: "1.3"), or null when the file arrives later. Applies the marker grammar of
 * chapters/README.md:
 * - the header `// chapter: NN-name` (first line) names the file's chapter, and
 *   `// chapter: NN-name step N.M` the step within it;
 * - lines inside `// <chapter NN-name>` … `// </chapter NN-name>` are kept from chapter NN on,
 *   lines inside `// <step N.M>` … `// </step N.M>` from step N.M on;
 * - lines inside `// <replaced-by ID>` … `// </replaced-by ID>` (ID a chapter or a step) are
 *   `//~ `-commented code: uncommented before ID, dropped from ID on; `// <replaced-by ID from
 *   EARLIER>` shows them only from EARLIER on (a step's code that a later step replaces);
 * - marker lines never appear in the output, and a removed block leaves no doubled blank line.
 * `knownIds` (optional): every chapter and step id a marker may name; anything else is an error.
 * Returns { text, lines } where lines[i] is the 1-based source line of output line i+1.
 * Throws MarkerError (with file:line) on malformed or unbalanced markers.
 */
export function chapterSource(text, at, options = {}) {
  const end = target(at);
  const parsed = parseMarkers(text, options);
  if (!upTo(parsed.header.at, end)) return null;

  const out = [];
  const lines = [];
  let removed = false; // something was left out since the last line written
  const emit = (line, i) => {
    if (removed && line.trim() === '' && (out.length === 0 || out[out.length - 1].trim() === '')) return;
    removed = false;
    out.push(line);
    lines.push(i + 1);
  };
  parsed.lines.forEach((l, i) => {
    if (i === 0) return; // the header
    const b = l.block;
    const gone = b && (b.kind === 'replaced-by' ? upTo(b.at, end) || (b.from && !upTo(b.from, end)) : !upTo(b.at, end));
    if (l.marker || gone) removed = true;
    else emit(l.block ? l.code : l.text, i);
  });
  return { text: out.join('\n'), lines };
}

/**
 * The marker grammar, line by line (shared by `npm run chapter` and the book tool).
 * Returns the file's chapter { id, num, at } and, for each line, { text, marker, block,
 * code }: `marker` for the header and a block's opening or closing line; `block`
 * ({ kind, id, num, at, start }; num is the chapter, at its [chapter, step]) for a line
 * inside one; `code` is the line as its block would show it (a replaced-by line
 * uncommented). Throws MarkerError (file:line) at the first malformed, unbalanced or
 * unknown marker.
 */
export function parseMarkers(text, { file = '<input>', knownIds, comment = commentOf(file) ?? '//' } = {}) {
  const { header: HEADER_RE, marker: MARKER_RE, markerish: MARKERISH_RE, commented: COMMENTED_RE } = grammar(comment);
  const src = text.split('\n');
  const fail = (i, msg) => new MarkerError(msg, { file, line: i + 1 });
  const checkId = (id, i, kind = 'chapter') => {
    const ok = kind === 'chapter' ? ID_RE.test(id) : kind === 'step' ? STEP_RE.test(id) : ID_RE.test(id) || STEP_RE.test(id);
    if (!ok) throw fail(i, `"${id}" is not a ${kind === 'step' ? 'step id (N.M)' : kind === 'chapter' ? 'chapter id (NN-name)' : 'chapter id (NN-name) or step id (N.M)'}`);
    if (knownIds && !knownIds.has(id)) {
      throw fail(i, `${STEP_RE.test(id) ? 'step' : 'chapter'} "${id}" is not in chapters/index.json (known: ${[...knownIds].join(', ')})`);
    }
    return chapterNumber(id);
  };
  const header = HEADER_RE.exec(src[0] ?? '');
  if (!header) throw fail(0, `the first line must be the header "${comment} chapter: NN-name" (or "${comment} chapter: NN-name step N.M")`);
  const lines = [{ text: src[0], marker: true, block: null }];
  const headerNum = checkId(header[1], 0);
  if (header[2] && checkId(header[2], 0, 'step') !== headerNum) throw fail(0, `step ${header[2]} is not a step of chapter ${header[1]}`);
  const headerAt = header[2] ? arrival(header[2]) : arrival(header[1]);

  let block = null; // { kind, id, num, at, start }
  for (let i = 1; i < src.length; i++) {
    const line = src[i];
    const m = MARKER_RE.exec(line);
    if (!m && MARKERISH_RE.test(line)) {
      throw fail(i, `malformed marker "${line.trim()}" (expected "${comment} <chapter NN-name>", "${comment} <step N.M>", "${comment} </replaced-by NN-name>", …)`);
    }
    if (m) {
      const [, close, kind, id, from] = m;
      const num = checkId(id, i, kind);
      if (from !== undefined) {
        if (kind !== 'replaced-by' || close) throw fail(i, `"from" belongs in an opening replaced-by marker: "// <replaced-by 1.2 from 1.1>"`);
        checkId(from, i, 'replaced-by');
        if (!upTo(arrival(from), arrival(id)) || arrival(from).join() === arrival(id).join()) throw fail(i, `"from ${from}" must come before ${id}`);
      }
      if (!close) {
        if (block) throw fail(i, `"${line.trim()}" inside the ${block.kind} block opened at line ${block.start + 1} (blocks do not nest)`);
        block = { kind, id, num, at: arrival(id), from: from === undefined ? null : arrival(from), fromId: from ?? null, start: i };
      } else {
        if (!block) throw fail(i, `"${line.trim()}" closes a block that was never opened`);
        if (block.kind !== kind || block.id !== id) {
          throw fail(i, `"${line.trim()}" does not close "${comment} <${block.kind} ${block.id}>" (line ${block.start + 1})`);
        }
        block = null;
      }
      lines.push({ text: line, marker: true, block: null });
      continue;
    }
    let code = line;
    if (block?.kind === 'replaced-by') {
      const c = COMMENTED_RE.exec(line);
      if (c) code = c[2] ? c[1] + c[2] : '';
      else if (line.trim() !== '') {
        throw fail(i, `a line inside a replaced-by block must start with "${comment}~ " (the earlier chapters' code, commented out)`);
      }
    } else if (COMMENTED_RE.test(line)) throw fail(i, `a "${comment}~" line outside a replaced-by block`);
    lines.push({ text: line, marker: false, block, code });
  }
  if (block) throw fail(block.start, `"${comment} <${block.kind} ${block.id}>" is never closed`);
  return { header: { id: header[1], num: headerNum, at: headerAt }, lines };
}

/** chapters/index.json, checked */
export function loadIndex(repo = REPO) {
  const file = join(repo, 'chapters', 'index.json');
  const index = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(index)) throw new Error(`${file}: expected a list of chapters`);
  let last = 0;
  for (const c of index) {
    if (!c || typeof c.id !== 'string' || !ID_RE.test(c.id)) throw new Error(`${file}: bad chapter id ${JSON.stringify(c?.id)}`);
    if (chapterNumber(c.id) <= last) throw new Error(`${file}: chapters must be in increasing order (${c.id})`);
    last = chapterNumber(c.id);
    if (typeof c.title !== 'string') throw new Error(`${file}: ${c.id} has no title`);
    if (!Array.isArray(c.tests) || !c.tests.every((t) => typeof t === 'string')) throw new Error(`${file}: ${c.id}: tests must be a list of paths`);
    const e = c.exceptions?.failsOnPrevious;
    const reasons = typeof e === 'string' ? [e] : e && typeof e === 'object' ? Object.values(e) : e === undefined ? [] : [null];
    if (!reasons.every((r) => typeof r === 'string' && r.trim())) {
      throw new Error(`${file}: ${c.id}: exceptions.failsOnPrevious must be a reason, or { "test file": "reason" }`);
    }
  }
  return index;
}

/** "1", "01", "01-namespaces" → the index entry */
export function findChapter(index, arg) {
  const s = String(arg ?? '').trim();
  const c = /^\d+$/.test(s) ? index.find((x) => chapterNumber(x.id) === Number(s)) : index.find((x) => x.id === s);
  if (!c) throw new Error(`no chapter "${s}" in chapters/index.json (chapters: ${index.map((x) => x.id).join(', ')})`);
  return c;
}

/** "1.3" → { chapter: its index entry, step: the step's entry }; throws when the index has no such step */
export function findStep(index, arg) {
  const s = String(arg ?? '').trim();
  const chapter = findChapter(index, String(chapterNumber(s)));
  const m = STEP_RE.exec(s);
  if (m && Number(m[2]) === 0) return { chapter, step: { id: s, title: `the starter: chapter ${chapter.id} before its first step` } };
  const step = (chapter.steps ?? []).find((x) => x.id === s);
  if (!step) throw new Error(`no step "${s}" in chapters/index.json (steps of ${chapter.id}: ${(chapter.steps ?? []).map((x) => x.id).join(', ') || 'none yet'})`);
  return { chapter, step };
}

/** true for a step id ("1.3"), false for a chapter ("1", "01", "01-namespaces") */
export const isStepId = (arg) => STEP_RE.test(String(arg ?? '').trim());

/** the chapters up to and including `chapter` */
export function chaptersUpTo(index, chapter) {
  return index.filter((c) => chapterNumber(c.id) <= chapterNumber(chapter.id));
}

function walk(dir, base = dir) {
  const files = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) files.push(...walk(p, base));
    else if (e.isFile()) files.push(relative(base, p));
  }
  return files.sort();
}

/** every chapter and step id of the index: what a marker may name */
const knownIdsOf = (index) => new Set(index.flatMap((c) => [c.id, ...(c.steps ?? []).map((s) => s.id)]));

/**
 * Apply the grammar to each file of `dir` (its path relative to the repo, its comment
 * syntax, or null: copied as it is) as it stands at `at`; → Map rel → { text, lines }.
 * Throws MarkerError listing every problem.
 */
function treeOf(repo, dir, files, at, index, commentFor) {
  const knownIds = knownIdsOf(index);
  const tree = new Map();
  const problems = [];
  for (const rel of files) {
    const file = join(dir, rel);
    const text = readFileSync(join(repo, file), 'utf8');
    const comment = commentFor(rel);
    if (comment === null) {
      tree.set(rel, { text, lines: null }); // no markers: always there
      continue;
    }
    if (comment === undefined) continue; // not source: left out
    try {
      const r = chapterSource(text, at, { file, knownIds, comment });
      if (r) tree.set(rel, r);
    } catch (e) {
      if (!(e instanceof MarkerError)) throw e;
      problems.push(e.message);
    }
  }
  if (problems.length) throw new MarkerError(problems.join('\n'));
  return tree;
}

/** every src/ file of `chapter` → { text, lines }; throws MarkerError listing every problem */
export function chapterTree(chapter, { repo = REPO, index = loadIndex(repo), at = chapter.id } = {}) {
  // TypeScript carries the markers; any other file (a JSON profile, say) is always there
  return treeOf(repo, 'src', walk(join(repo, 'src')), at, index, (rel) => (rel.endsWith('.ts') ? '//' : null));
}

/**
 * every native/ file of `chapter` → { text, lines }: the addon's C/C++ (`//` markers) and
 * binding.gyp (`#` markers), by the same grammar; a file of a later chapter is left out
 */
export function nativeTree(chapter, { repo = REPO, index = loadIndex(repo), at = chapter.id } = {}) {
  const dir = join(repo, 'native');
  const files = existsSync(dir) ? walk(dir).filter((f) => !f.startsWith('build/')) : [];
  // what node-gyp leaves (config.gypi, Makefile) is not source
  return treeOf(repo, 'native', files, at, index, (rel) => commentOf(rel) ?? undefined);
}

/**
 * The chapter's native/ written to build/native/<hash of its sources>/ and built there
 * by node-gyp (tools/build-native.mjs), once: chapters whose native code is the same
 * share the build. It is built aside and renamed into place, so two runs at once never
 * see half a build. Returns { dir, ok, output, ms }.
 */
export function buildNative(ntree, { repo = REPO } = {}) {
  const hash = createHash('sha256');
  for (const [rel, { text }] of [...ntree].sort(([a], [b]) => a.localeCompare(b))) hash.update(`${rel}\0${text}\0`);
  const dir = join(repo, 'build', 'native', hash.digest('hex').slice(0, 16));
  const done = join(dir, 'build', 'Release', '.built');
  if (existsSync(done)) return { dir, ok: true, output: '', ms: 0 };
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  for (const [rel, { text }] of ntree) {
    mkdirSync(dirname(join(tmp, rel)), { recursive: true });
    writeFileSync(join(tmp, rel), text);
  }
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [join(repo, 'tools', 'build-native.mjs'), tmp], { cwd: repo, encoding: 'utf8' });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  if (r.status !== 0) return { dir: tmp, ok: false, output, ms: Date.now() - t0 };
  writeFileSync(join(tmp, 'build', 'Release', '.built'), '');
  if (existsSync(done)) rmSync(tmp, { recursive: true, force: true }); // another run finished first
  else {
    rmSync(dir, { recursive: true, force: true }); // what a killed run left
    renameSync(tmp, dir);
  }
  return { dir, ok: true, output, ms: Date.now() - t0 };
}

export function chapterDir(chapter, repo = REPO, at = chapter.id) {
  return at === chapter.id ? join(repo, 'build', 'chapters', chapter.id) : join(repo, 'build', 'steps', at);
}

/**
 * Write chapter's code to build/chapters/<id>/ (replacing what was there) and, unless
 * build is false, compile it. Returns { dir, tree, build: { ok, output, ms } | null }.
 */
export function generate(chapter, { repo = REPO, index = loadIndex(repo), build = true, at = chapter.id, dir = chapterDir(chapter, repo, at) } = {}) {
  const tree = chapterTree(chapter, { repo, index, at });
  const ntree = nativeTree(chapter, { repo, index, at });
  rmSync(dir, { recursive: true, force: true }); // symlinks go, their targets stay
  mkdirSync(dir, { recursive: true });
  for (const [rel, { text }] of tree) {
    mkdirSync(dirname(join(dir, 'src', rel)), { recursive: true });
    writeFileSync(join(dir, 'src', rel), text);
  }
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
  const nn = chapter.id.slice(0, 2);
  const where = at === chapter.id ? `the end of chapter ${chapter.id} (${chapter.title})` : `step ${at} of chapter ${chapter.id}`;
  const own = {
    name: at === chapter.id ? `mydocker-ch${nn}` : `mydocker-step${at.replace('.', '-')}`,
    version: pkg.version,
    description: `mydocker at ${where}; generated by \`npm run chapter -- ${at === chapter.id ? nn : at}\` from the repo's src/`,
    type: 'module',
    private: true,
    license: pkg.license,
    engines: pkg.engines,
    bin: { mydocker: 'bin/mydocker' },
    scripts: {
      build: 'tsc -p tsconfig.json',
      test: 'tap --disable-coverage -R tap --jobs=1 test/chapters',
    },
    dependencies: pkg.dependencies,
    devDependencies: pkg.devDependencies,
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(own, null, 2) + '\n');
  copyFileSync(join(repo, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(repo, 'bin', 'mydocker'), join(dir, 'bin', 'mydocker'));
  chmodSync(join(dir, 'bin', 'mydocker'), 0o755);
  // chapter 08 on: the OCI runtime's launcher (bin/mydocker-runc runs dist/oci/main.js),
  // once the code has its main (a step of chapter 08 may come before it)
  if (chapterNumber(chapter) >= 8 && existsSync(join(repo, 'bin', 'mydocker-runc')) && existsSync(join(dir, 'src', 'oci', 'main.ts'))) {
    copyFileSync(join(repo, 'bin', 'mydocker-runc'), join(dir, 'bin', 'mydocker-runc'));
    chmodSync(join(dir, 'bin', 'mydocker-runc'), 0o755);
  }
  // chapter 09 on: the daemon's launcher (bin/mydockerd runs dist/daemon/main.js)
  if (chapterNumber(chapter) >= 9 && existsSync(join(repo, 'bin', 'mydockerd'))) {
    copyFileSync(join(repo, 'bin', 'mydockerd'), join(dir, 'bin', 'mydockerd'));
    chmodSync(join(dir, 'bin', 'mydockerd'), 0o755);
  }
  // shared with the repo: the npm packages, the fixture scripts
  const up = relative(dir, repo);
  for (const shared of ['node_modules', 'scripts']) {
    if (existsSync(join(repo, shared))) symlinkSync(join(up, shared), join(dir, shared));
  }
  // the chapter's own addon, built from its native/ (src/native.ts loads
  // ../native/build/Release/mydocker.node from dist/), also without `build` (only tsc
  // is skipped then: the known-wrong copies compile their TypeScript themselves)
  const native = buildNative(ntree, { repo });
  if (!native.ok && !build) throw new Error(`chapter ${chapter.id}: its native/ does not build (node-gyp in ${relative(repo, native.dir)}):\n${native.output.split('\n').slice(-40).join('\n')}`);
  symlinkSync(relative(dir, native.dir), join(dir, 'native'));
  // the tests of chapters 1..N and their harness, so that `npm test` there checks this code
  mkdirSync(join(dir, 'test', 'chapters'), { recursive: true });
  cpSync(join(repo, 'test', 'harness'), join(dir, 'test', 'harness'), { recursive: true });
  if (existsSync(join(repo, 'test', 'fixtures'))) symlinkSync(join('..', up, 'test', 'fixtures'), join(dir, 'test', 'fixtures'));
  for (const c of chaptersUpTo(index, chapter)) {
    for (const t of c.tests) if (existsSync(join(repo, t))) copyFileSync(join(repo, t), join(dir, t));
  }
  // the unit tests whose every src/ import exists in this chapter: what they use counts as used
  // (knip's check of unused exports, see knip.json)
  const unit = join(repo, 'test', 'unit');
  for (const f of existsSync(unit) ? readdirSync(unit).filter((f) => f.endsWith('.test.ts')) : []) {
    const text = readFileSync(join(unit, f), 'utf8');
    const imports = [...text.matchAll(/from '\.\.\/\.\.\/src\/([^']+)\.js'/g)].map((m) => `${m[1]}.ts`);
    if (imports.length && imports.every((i) => tree.has(i))) {
      mkdirSync(join(dir, 'test', 'unit'), { recursive: true });
      copyFileSync(join(unit, f), join(dir, 'test', 'unit', f));
    }
  }
  if (existsSync(join(repo, 'knip.json'))) copyFileSync(join(repo, 'knip.json'), join(dir, 'knip.json'));
  writeFileSync(
    join(dir, 'README.md'),
    `# mydocker at ${where}\n\n` +
      `Generated by \`npm run chapter -- ${at === chapter.id ? nn : at}\` from the repository's \`src/\`; do not edit (it is rewritten).\n\n` +
      '```sh\nsudo bin/mydocker run /bin/echo hi     # run it\nsudo npm test                          # the tests of chapters 1..' +
      `${nn} against this code\n` +
      '```\n',
  );
  if (!build) return { dir, tree, build: null };
  if (!native.ok) return { dir, tree, build: { ok: false, output: `native/ (node-gyp in ${relative(repo, native.dir)}):\n${native.output.split('\n').slice(-40).join('\n')}`, ms: native.ms } };
  const ts = compile(dir, tree, repo);
  return { dir, tree, build: { ...ts, ms: ts.ms + native.ms } };
}

/** tsc in the generated folder; errors are mapped back to the lines of the repo's src/ */
export function compile(dir, tree, repo = REPO) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], { cwd: dir, encoding: 'utf8' });
  const ms = Date.now() - t0;
  const raw = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  const output = raw
    .split('\n')
    .map((l) => {
      const m = /^src\/(\S+?\.ts)\((\d+),(\d+)\)/.exec(l);
      const at = m && tree.get(m[1])?.lines?.[Number(m[2]) - 1];
      return at ? `${l}\n    ↳ in the repo: src/${m[1]}:${at}${laterImportHint(l, m[1], tree, repo)}` : l;
    })
    .join('\n');
  return { ok: r.status === 0, output, ms };
}

/** "Cannot find module './x.js'" where src/x.ts exists but arrives later: say so */
function laterImportHint(line, file, tree, repo) {
  const m = /Cannot find module '(\.{1,2}\/[^']+)\.js'/.exec(line);
  if (!m) return '';
  const target = join(dirname(file), `${m[1]}.ts`);
  const path = join(repo, 'src', target);
  if (tree.has(target) || !existsSync(path)) return '';
  const header = grammar().header.exec(readFileSync(path, 'utf8').split('\n')[0]);
  return `: it imports src/${target}, which arrives in chapter ${header?.[1] ?? '?'}; wrap the import and its uses in "// <chapter ${header?.[1] ?? 'NN-name'}>" markers`;
}

/** git diff --no-index between the src/ of two chapters (prev null: from nothing) */
export function chapterDiff(prev, chapter, { repo = REPO, index = loadIndex(repo), stat = true, color = false } = {}) {
  const tmp = mkdtempSync(join(tmpdir(), 'mydocker-chapter-diff-'));
  // a side is a chapter (its index entry) or a point { chapter, at } (at: a step id)
  const point = (c) => (c && 'at' in c ? c : c ? { chapter: c, at: c.id } : null);
  try {
    const side = (p, name) => {
      const d = join(tmp, name);
      mkdirSync(d);
      if (p) for (const [rel, { text }] of chapterTree(p.chapter, { repo, index, at: p.at })) {
        mkdirSync(dirname(join(d, rel)), { recursive: true });
        writeFileSync(join(d, rel), text);
      }
      return name;
    };
    const a = side(point(prev), prev ? point(prev).at : '00-nothing');
    const b = side(point(chapter), point(chapter).at);
    const args = ['diff', '--no-index', color ? '--color=always' : '--color=never', ...(stat ? ['--stat=100'] : []), a, b];
    const r = spawnSync('git', args, { cwd: tmp, encoding: 'utf8' });
    if (r.status !== 0 && r.status !== 1) throw new Error(`git diff: ${r.stderr || r.error}`);
    return r.stdout;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** the point before `at` in the course: the previous step, or the previous chapter's end (null: nothing) */
function previousPoint(index, chapter, at) {
  if (at !== chapter.id) {
    const steps = chapter.steps ?? [];
    const i = steps.findIndex((s) => s.id === at);
    if (i > 0) return { chapter, at: steps[i - 1].id };
    if (i === 0) return { chapter, at: `${chapterNumber(chapter)}.0` }; // the starter
  }
  const c = index[index.indexOf(chapter) - 1];
  return c ? { chapter: c, at: c.id } : null;
}

function main(argv) {
  const args = argv.filter((a) => !a.startsWith('--'));
  if (args.length !== 1 || argv.includes('--help')) {
    console.error('usage: npm run chapter -- N|N.M [--diff] [--no-build]   (N: 1, 01 or 01-namespaces; N.M: a step, 1.3)');
    return argv.includes('--help') ? 0 : 2;
  }
  const index = loadIndex();
  const { chapter, step } = isStepId(args[0]) ? findStep(index, args[0]) : { chapter: findChapter(index, args[0]), step: null };
  const at = step ? step.id : chapter.id;
  const prev = previousPoint(index, chapter, at);
  const { dir, build } = generate(chapter, { index, at, build: !argv.includes('--no-build') });
  const rel = relative(process.cwd(), dir) || '.';
  const name = step ? `step ${step.id} (${step.title})` : `chapter ${chapter.id} (${chapter.title})`;
  if (build && !build.ok) {
    console.error(build.output);
    console.error(`\n${name}: written to ${rel}, but it does not build (above: tsc's errors, mapped to the repo's src/)`);
    return 1;
  }
  console.log(`${name}: ${rel}${build ? ` (built in ${build.ms} ms)` : ' (not built)'}`);
  console.log(`\nchanges since ${prev ? (prev.at === prev.chapter.id ? `chapter ${prev.at}` : `step ${prev.at}`) : 'nothing'}:`);
  process.stdout.write(chapterDiff(prev, { chapter, at }, { index, stat: !argv.includes('--diff'), color: process.stdout.isTTY }));
  if (!argv.includes('--diff')) console.log(`(the full diff: npm run chapter -- ${step ? step.id : chapter.id.slice(0, 2)} --diff)`);
  console.log(`\nrun it:   sudo ${rel}/bin/mydocker run /bin/echo hi`);
  console.log(`test it:  sudo npm run check -- ${step ? `--step ${step.id} --impl ${rel}/bin/mydocker` : `--chapter ${chapter.id.slice(0, 2)} --impl chapter`}`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    console.error(e instanceof MarkerError ? `marker errors in src/:\n${e.message}` : `chapter: ${e.message}`);
    process.exitCode = 1;
  }
}
