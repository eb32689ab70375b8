// A chapter's steps (chapters/index.json, "steps"; see chapters/README.md): one idea a
// learner writes and runs in one sitting, its tests named by file and exact top-level
// test name. This module is what the runner (tools/check.mjs --step), the book check
// (tools/book.mjs: anchors, the "Check this step" box, the cards' test lists) and
// test/unit/steps.test.ts share: the index is the one place that says which step a test
// belongs to.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chapterNumber } from './chapter.mjs';

/**
 * Chapters that have no steps yet (issue 22): the check lets them be, and only them.
 * Remove a chapter from this list when its steps are written; the check then fails for
 * a test of it that is in no step.
 */
export const STEPS_PENDING = [];

/** the harness's own test at the end of every file: in no step, it runs with every file */
export const LEAK_TEST = 'nothing leaked: mounts, processes, cgroups';

const STEP_ID_RE = /^(\d+)\.(\d+)$/;

/** every step of the index in order, each with its chapter: [{ ...step, chapter }] */
export function allSteps(index) {
  return index.flatMap((c) => (c.steps ?? []).map((s) => ({ ...s, chapter: c })));
}

/** "1.3" → the step, or an error naming the steps there are */
export function findStep(index, id) {
  const s = allSteps(index).find((x) => x.id === String(id).trim());
  if (!s) {
    const ids = allSteps(index).map((x) => x.id);
    throw new Error(`no step "${id}" in chapters/index.json (steps: ${ids.join(', ') || 'none'})`);
  }
  return s;
}

/** the steps `check --step id` runs: every step up to id (in index order), or id alone */
export function stepsUpTo(index, id, { only = false } = {}) {
  const target = findStep(index, id);
  if (only) return [target];
  const steps = allSteps(index);
  return steps.slice(0, steps.findIndex((s) => s.id === target.id) + 1);
}

/** the test files of these steps (index order), each with the names selected in it */
export function selection(steps) {
  const files = new Map();
  for (const s of steps) {
    for (const [file, names] of Object.entries(s.tests ?? {})) {
      if (!files.has(file)) files.set(file, []);
      files.get(file).push(...names);
    }
  }
  return files;
}

/**
 * The top-level tests of a test file, read from its text: the name of every
 * `t.test('NAME'` or `test('NAME'` (a file's own wrapper) at the start of a line.
 * Returns [{ name, line }]. (The harness checks the same at run time, for any test the
 * text does not show this way.)
 */
export function listTests(text) {
  const out = [];
  const re = /^(?:t\.)?test\(\s*(['"])((?:\\.|(?!\1)[^\\\n])*)\1/;
  text.split('\n').forEach((line, i) => {
    const m = re.exec(line);
    if (!m) return;
    // the literal's escapes: \' \" \\ \n \t
    const name = m[2].replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)/g, (_, e) =>
      e.length > 1 ? String.fromCharCode(parseInt(e.slice(1), 16)) : ({ n: '\n', t: '\t', r: '\r' })[e] ?? e,
    );
    out.push({ name, line: i + 1 });
  });
  return out;
}

/** GitHub's anchor of a heading: lower case, punctuation but - and _ dropped, spaces to - */
export function slug(heading) {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** the `##` sections of a book file: [{ heading, slug, start, end }] (1-based lines, end inclusive) */
export function bookSections(text) {
  const lines = text.split('\n');
  const sections = [];
  let fence = null;
  lines.forEach((l, i) => {
    const f = /^\s*(`{3,})/.exec(l);
    if (f) fence = fence === null ? f[1] : l.trim() === fence || l.trim().startsWith(fence) ? null : fence;
    if (fence !== null && !f) return;
    const h = /^(#{1,2}) (.+)$/.exec(l);
    if (!h || fence !== null) return;
    if (sections.length) sections[sections.length - 1].end = i;
    sections.push({ level: h[1].length, heading: h[2], slug: slug(h[2]), start: i + 1, end: lines.length });
  });
  return sections.filter((s) => s.level === 2);
}

/** the box a step's section ends with */
export const boxLine = (id) => `> **Check this step:** \`sudo npm run check -- --step ${id}\``;

/**
 * Everything wrong with the steps of the index, against the test files and the book:
 * [{ file, line, msg }] (problems), and warnings (sections longer than 250 lines).
 */
export function checkSteps(repo, index) {
  const problems = [];
  const warnings = [];
  const indexFile = 'chapters/index.json';
  const books = new Map();
  const book = (rel) => {
    if (!books.has(rel)) books.set(rel, existsSync(join(repo, rel)) ? readFileSync(join(repo, rel), 'utf8') : null);
    return books.get(rel);
  };
  for (const c of index) {
    const n = chapterNumber(c.id);
    if (!c.steps) {
      if (!STEPS_PENDING.includes(c.id)) problems.push({ file: indexFile, line: 1, msg: `chapter ${c.id} has no "steps" (and is not in STEPS_PENDING of tools/steps.mjs)` });
      continue;
    }
    if (STEPS_PENDING.includes(c.id)) problems.push({ file: 'tools/steps.mjs', line: 1, msg: `chapter ${c.id} has steps now: remove it from STEPS_PENDING` });
    if (!Array.isArray(c.steps) || c.steps.length === 0) {
      problems.push({ file: indexFile, line: 1, msg: `${c.id}: "steps" must be a non-empty list` });
      continue;
    }
    // where each test is
    const seen = new Map(); // file\0name → step id
    c.steps.forEach((s, i) => {
      const where = `step ${s.id ?? `#${i + 1}`} of ${c.id}`;
      const m = STEP_ID_RE.exec(s.id ?? '');
      if (!m || Number(m[1]) !== n || Number(m[2]) !== i + 1) problems.push({ file: indexFile, line: 1, msg: `${where}: its id must be ${n}.${i + 1} (steps are numbered in order)` });
      if (typeof s.title !== 'string' || !s.title.trim()) problems.push({ file: indexFile, line: 1, msg: `${where}: no title` });
      if (s.hint !== undefined && (typeof s.hint !== 'string' || s.hint.includes('\n'))) problems.push({ file: indexFile, line: 1, msg: `${where}: hint must be one line` });
      if (!s.tests || typeof s.tests !== 'object' || !Object.keys(s.tests).length) problems.push({ file: indexFile, line: 1, msg: `${where}: no tests` });
      for (const [file, names] of Object.entries(s.tests ?? {})) {
        if (!c.tests.includes(file)) problems.push({ file: indexFile, line: 1, msg: `${where}: ${file} is not a test file of ${c.id}` });
        for (const name of names) {
          const key = `${file}\0${name}`;
          if (seen.has(key)) problems.push({ file: indexFile, line: 1, msg: `${file}: '${name}' is in two steps (${seen.get(key)} and ${s.id})` });
          seen.set(key, s.id);
        }
      }
      for (const name of Object.keys(s.hints ?? {})) {
        if (!Object.values(s.tests ?? {}).some((ns) => ns.includes(name))) problems.push({ file: indexFile, line: 1, msg: `${where}: a hint for '${name}', which is not one of its tests` });
      }
      // the book: the anchor's heading, the box, the length
      const [rel, anchor] = String(s.anchor ?? '').split('#');
      const text = rel ? book(rel) : null;
      if (!anchor || text === null) {
        problems.push({ file: indexFile, line: 1, msg: `${where}: anchor ${JSON.stringify(s.anchor)} is not book/FILE.md#heading of a book file there is` });
        return;
      }
      const section = bookSections(text).find((x) => x.slug === anchor);
      if (!section) {
        problems.push({ file: indexFile, line: 1, msg: `${where}: ${rel} has no "## " heading with anchor #${anchor}` });
        return;
      }
      const body = text.split('\n').slice(section.start, section.end);
      const boxes = body.map((l, j) => ({ l, j })).filter(({ l }) => l.startsWith('> **Check this step:**'));
      if (!boxes.length) problems.push({ file: rel, line: section.start, msg: `step ${s.id}'s section has no box: end it with the line ${boxLine(s.id)}` });
      for (const b of boxes) if (b.l.trim() !== boxLine(s.id)) problems.push({ file: rel, line: section.start + b.j + 1, msg: `the box names another command: expected ${boxLine(s.id)}` });
      const length = section.end - section.start + 1;
      if (length > 250) warnings.push({ file: rel, line: section.start, msg: `step ${s.id}'s section is ${length} lines (aim for at most 250)` });
    });
    // every test of the chapter's files in a step, and every name of the index a test there is
    for (const file of c.tests) {
      if (!existsSync(join(repo, file))) continue;
      const tests = listTests(readFileSync(join(repo, file), 'utf8'));
      const names = new Set(tests.map((x) => x.name));
      for (const x of tests) if (!seen.has(`${file}\0${x.name}`)) problems.push({ file, line: x.line, msg: `'${x.name}' is in no step of ${c.id} (chapters/index.json)` });
      for (const key of seen.keys()) {
        const [f, name] = key.split('\0');
        if (f === file && !names.has(name)) problems.push({ file: indexFile, line: 1, msg: `step ${seen.get(key)}: ${file} has no test '${name}'` });
      }
    }
  }
  return { problems, warnings };
}

// ---- the task cards: "What the tests check", from the steps ----------------------------

export const CARD_BEGIN = '<!-- steps:begin (written by `npm run book` from chapters/index.json: do not edit) -->';
export const CARD_END = '<!-- steps:end -->';

/** the generated part of a chapter's card: a list per step */
export function cardSection(chapter) {
  const out = [CARD_BEGIN, ''];
  for (const s of chapter.steps ?? []) {
    const [rel, anchor] = s.anchor.split('#');
    out.push(`### Step ${s.id}: ${s.title}`, '');
    out.push(`\`sudo npm run check -- --step ${s.id}\` · [the book's step ${s.id}](../../${rel}#${anchor})`, '');
    const several = chapter.tests.length > 1;
    for (const [file, names] of Object.entries(s.tests)) {
      for (const name of names) out.push(`- ${name}${several ? ` (\`${file.replace(/^test\/chapters\//, '')}\`)` : ''}`);
    }
    if (s.hint) out.push('', `Hint: ${s.hint}`);
    out.push('');
  }
  out.push(CARD_END);
  return out.join('\n');
}

/**
 * The cards whose generated part is stale or missing: [{ file, line, msg, text }] where
 * text is the card as it should be (null when the markers are missing).
 */
export function cards(repo, index) {
  const out = [];
  for (const c of index) {
    if (!c.steps) continue;
    const file = `chapters/${c.id}/README.md`;
    if (!existsSync(join(repo, file))) continue;
    const text = readFileSync(join(repo, file), 'utf8');
    const a = text.indexOf('<!-- steps:begin');
    const b = text.indexOf(CARD_END);
    if (a < 0 || b < a) {
      out.push({ file, line: 1, msg: `no ${CARD_BEGIN.slice(0, 16)} … ${CARD_END} markers in "What the tests check"`, text: null });
      continue;
    }
    const want = text.slice(0, a) + cardSection(c) + text.slice(b + CARD_END.length);
    if (want !== text) out.push({ file, line: text.slice(0, a).split('\n').length, msg: "the steps' test list is stale: run `npm run book`", text: want });
  }
  return out;
}
