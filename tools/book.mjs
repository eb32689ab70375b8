// The book's code excerpts (`npm run book`, `npm run book:check`).
// Every `<!-- code: src/FILE.ts#TARGET -->` line in book/*.md is followed by a fenced
// block holding that piece of src/ exactly as it stands at the end of the book file's
// chapter (book/NN-name.md ↔ chapter NN; see chapters/README.md for the markers).
//   node tools/book.mjs            fill every block from src/
//   node tools/book.mjs --check    change nothing; fail, one `file:line: problem` a line,
//                                  when a block is stale, a directive dangles, or a file
//                                  a chapter brings (or changes) is never shown
//   --repo DIR                     work on DIR instead of this repository (tests)
// TARGET is a top-level declaration (function, class, interface, type, enum, const),
// a member `Class.member`, `chapter NN-name`: that chapter's inline blocks in FILE, or
// `step N.M`: the blocks step N.M writes (its <step N.M> blocks and the <replaced-by … from
// N.M> ones: its code that a later step replaces), as they stand right after it.
// A NAME the file only adds to another module (`declare module '../x.js' { interface
// NAME { … } }`, interface merging) shows that whole `declare module` block.
// `<!-- code: native/FILE.cc#NAME -->` shows a top-level C++ function or struct of the
// addon (the syscalls where they live) as it stands at the end of the book file's
// chapter: native/ carries the same markers, in C++ comments.
// `<!-- code: native/binding.gyp#NAME -->` shows the build target NAME (its markers are
// in `#` comments).
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { loadIndex, MarkerError, parseMarkers } from './chapter.mjs';
import { cards, checkSteps, slug } from './steps.mjs';

const DIRECTIVE_RE = /^\s*<!--\s*code:\s*(\S+?)#(.+?)\s*-->\s*$/;
const NOT_SHOWN_RE = /^\s*<!--\s*not-shown:\s*(\S+)\s*(?:(?:—|–|--?|:)\s*(.*?))?\s*-->\s*$/;
const FENCE_RE = /^\s*(`{3,})(.*)$/;
const isClose = (line, fence) => line.trim().startsWith(fence) && !line.trim().slice(fence.length).trim();

/** chapter number of a book file (book/03-rootfs.md → 3), or null (README.md) */
export function bookChapter(bookRel) {
  const m = /^(\d+)-[^/]*\.md$/.exec(bookRel.split('/').pop());
  return m ? Number(m[1]) : null;
}

// ---- the source side -------------------------------------------------------------

/**
 * A src file split into lines, each classified by the marker grammar: `marker` lines
 * (the header and the begin/end markers) never show; a line in a `<chapter NN>` block
 * shows from chapter NN on; a line in a `<replaced-by NN>` block shows, uncommented,
 * only before chapter NN.
 */
export function loadSource(repo, rel, cache = new Map()) {
  if (cache.has(rel)) return cache.get(rel);
  const abs = join(repo, rel);
  let src = null;
  if (existsSync(abs) && statSync(abs).isFile()) {
    const text = readFileSync(abs, 'utf8');
    const lines = text.split('\n');
    const problems = [];
    let parsed = null;
    try {
      parsed = parseMarkers(text, { file: rel }); // the grammar as `npm run chapter` reads it
    } catch (e) {
      if (!(e instanceof MarkerError)) throw e;
      problems.push({ file: rel, line: e.line ?? 1, msg: e.detail ?? e.message });
    }
    const info = lines.map((_, i) => {
      const l = parsed?.lines[i];
      const block = l?.block;
      return {
        marker: !!l?.marker,
        // a step's block (<step 2.1>) is its chapter's code, as a chapter block is
        chapter: block?.kind === 'chapter' || block?.kind === 'step' ? { num: block.num, id: block.kind === 'chapter' ? block.id : null, at: block.at } : null,
        replacedBy: block?.kind === 'replaced-by' ? { num: block.num, id: block.id, at: block.at, from: block.from ?? [0, 0] } : null,
        blockId: block ? `${block.kind}:${block.id}:${block.start + 1}` : null,
        // the step whose code this line is: a <step N.M> block, or a <replaced-by … from N.M> one
        step: block?.kind === 'step' ? block.id : block?.kind === 'replaced-by' ? block.fromId : null,
        code: l?.code ?? lines[i],
      };
    });
    src = { rel, text, lines, info, header: parsed?.header ?? null, problems, sf: null };
  }
  cache.set(rel, src);
  return src;
}

/** line i of src as it reads at the end of chapter `num` (null: the final code), or null when it is not there */
function viewLine(src, i, num, at = null) {
  const inf = src.info[i];
  if (inf.marker) return null;
  const view = at ?? (num === null ? null : [num, Infinity]); // a step's section sees the code as of that step
  if (inf.chapter) return view === null || upTo(inf.chapter.at, view) ? src.lines[i] : null;
  if (inf.replacedBy) return view !== null && !upTo(inf.replacedBy.at, view) && upTo(inf.replacedBy.from, view) ? inf.code : null;
  return src.lines[i];
}

/** a ≤ b, for [chapter, step] points of the course */
const upTo = (a, b) => a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]);

/** does src (its header) exist yet at chapter num, or at step `at`? */
const arrived = (src, num, at) => num === null || !src.header || upTo(src.header.at ?? [src.header.num, 0], at ?? [num, Infinity]);

function dedent(lines) {
  while (lines.length && !lines[0].trim()) lines.shift();
  while (lines.length && !lines[lines.length - 1].trim()) lines.pop();
  const indents = lines.filter((l) => l.trim()).map((l) => /^\s*/.exec(l)[0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => (l.trim() ? l.slice(cut).trimEnd() : ''));
}

function sourceFile(src) {
  src.sf ??= ts.createSourceFile(src.rel, src.text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  return src.sf;
}

function declName(node) {
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const n = node.name;
  if (!n) return undefined;
  if (ts.isIdentifier(n) || ts.isPrivateIdentifier(n) || ts.isStringLiteral(n) || ts.isNumericLiteral(n)) return n.text;
  return undefined;
}

/** top-level declarations named `name` (several for overloads and merged declarations) */
function topLevel(sf, name) {
  const found = [];
  for (const st of sf.statements) {
    if (ts.isVariableStatement(st)) {
      if (st.declarationList.declarations.some((d) => ts.isIdentifier(d.name) && d.name.text === name)) found.push(st);
    } else if (
      (ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isInterfaceDeclaration(st) ||
        ts.isTypeAliasDeclaration(st) || ts.isEnumDeclaration(st) || ts.isModuleDeclaration(st)) &&
      declName(st) === name
    ) {
      found.push(st);
    }
  }
  if (found.length) return found;
  // a name this file adds to another module's interface: its whole `declare module '…' { … }` block
  for (const st of sf.statements) {
    if (!ts.isModuleDeclaration(st) || !ts.isStringLiteral(st.name) || !st.body || !ts.isModuleBlock(st.body)) continue;
    if (st.body.statements.some((inner) => declName(inner) === name)) found.push(st);
  }
  return found;
}

/** the nodes `Name` or `Class.member` stands for, or an error message */
function resolveSymbol(src, symbol) {
  const sf = sourceFile(src);
  const [outer, member, ...more] = symbol.split('.');
  if (more.length || !outer) return { error: `"${symbol}" is neither NAME nor Class.member` };
  const tops = topLevel(sf, outer);
  if (!tops.length) return { error: `no top-level declaration "${outer}" in ${src.rel}` };
  if (member === undefined) return { nodes: tops };
  const nodes = tops
    .filter((t) => ts.isClassDeclaration(t) || ts.isInterfaceDeclaration(t) || ts.isEnumDeclaration(t))
    .flatMap((t) => t.members.filter((m) => declName(m) === member));
  if (!nodes.length) return { error: `"${outer}" in ${src.rel} has no member "${member}"` };
  return { nodes };
}

/** first line (0-based) of node, taking in the comments right above it (no blank line between, no markers) */
function firstLine(src, node) {
  const sf = sourceFile(src);
  const lineOf = (pos) => sf.getLineAndCharacterOfPosition(pos).line;
  let start = node.getStart(sf);
  const comments = ts.getLeadingCommentRanges(src.text, node.getFullStart()) ?? [];
  for (let k = comments.length - 1; k >= 0; k--) {
    const c = comments[k];
    if (lineOf(start) - lineOf(c.end) > 1) break; // a blank line: this comment is about something else
    const first = lineOf(c.pos);
    if (src.info[first].marker) break;
    start = c.pos;
  }
  return lineOf(start);
}

/** the ranges (0-based, inclusive lines) of the nodes, merged when they touch */
function symbolRanges(src, nodes) {
  const sf = sourceFile(src);
  const ranges = nodes
    .map((n) => [firstLine(src, n), sf.getLineAndCharacterOfPosition(n.getEnd()).line])
    .sort((a, b) => a[0] - b[0]);
  const merged = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    const gapIsBlank = last && src.lines.slice(last[1] + 1, r[0]).every((l) => !l.trim());
    if (last && gapIsBlank) last[1] = Math.max(last[1], r[1]);
    else merged.push([...r]);
  }
  return merged;
}

const SEPARATOR = '// ...';

// ---- the addon's side: C++ -------------------------------------------------------

const CPP_RE = /\.(cc|cpp|cxx|c|h|hh|hpp)$/;
export const isCpp = (rel) => CPP_RE.test(rel);

/**
 * Per line of C++ source: the brace depth at its start, counting only braces that are
 * not a namespace's or an `extern "C"` block's (so a function inside `namespace {` is
 * at depth 0), and whether the line starts inside a comment. Strings, character
 * literals and comments are skipped; `code` holds the text with them blanked out, so
 * the caller can match braces on it.
 */
export function cppScan(text) {
  const depth = [];
  const inComment = [];
  let code = '';
  let d = 0;
  let block = false; // inside /* */
  const stack = []; // for each open brace: does it count?
  let since = ''; // code since the last ; { or } (to recognise `namespace x {`)
  let line = 0;
  depth.push(0);
  inComment.push(false);
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      code += c;
      line++;
      depth[line] = d;
      inComment[line] = block;
      since += ' ';
      continue;
    }
    if (block) {
      if (c === '*' && text[i + 1] === '/') {
        block = false;
        code += '  ';
        i++;
      } else code += ' ';
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') {
        code += ' ';
        i++;
      }
      i--;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      block = true;
      code += '  ';
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      code += c;
      for (i++; i < text.length && text[i] !== c && text[i] !== '\n'; i++) {
        if (text[i] === '\\') {
          code += ' ';
          i++;
        }
        code += ' ';
      }
      code += text[i] ?? '';
      if (c === '"') since += '""';
      continue;
    }
    code += c;
    if (c === '{') {
      const transparent = /(\bnamespace\b[\w\s:]*|\bextern\s*"")\s*$/.test(since);
      stack.push(!transparent);
      if (!transparent) d++;
      since = '';
    } else if (c === '}') {
      if (stack.pop()) d--;
      since = '';
    } else if (c === ';') {
      since = '';
    } else {
      since += c;
    }
  }
  return { depth, inComment, code: code.split('\n') };
}

/** a function definition (any return type, [[attributes]]) or a struct/class/union/enum named name */
function cppDeclRe(name) {
  const n = name.replace(/[^\w]/g, '');
  return {
    fn: new RegExp(`^(?:\\[\\[[^\\]]*\\]\\]\\s*)?(?:template\\s*<.*>\\s*)?[\\w:<>,*&\\s]*?[\\s*&]${n}\\s*\\(`),
    type: new RegExp(`^(?:typedef\\s+)?(?:struct|class|union|enum(?:\\s+class)?)\\s+${n}\\b[^;]*$`),
  };
}

/**
 * The ranges (0-based, inclusive lines) of the top-level C++ definitions named `name`
 * in text, each with the comment lines right above it, or { error }.
 */
export function cppRanges(text, name, rel = '<input>', info = null) {
  if (!/^[A-Za-z_]\w*$/.test(name)) return { error: `"${name}" is not a C++ name (native/ excerpts take a top-level function or struct)` };
  const lines = text.split('\n');
  const { depth, inComment, code } = cppScan(text);
  const re = cppDeclRe(name);
  const ranges = [];
  for (let i = 0; i < lines.length; i++) {
    if (depth[i] !== 0 || inComment[i]) continue;
    const l = code[i];
    if (/^\s/.test(l) && !/^\s*$/.test(l)) continue; // an indented line is not a top-level declaration's start
    const isType = re.type.test(l);
    if (!isType && !re.fn.test(l)) continue;
    // the definition's body: the first { before any ; at depth 0, then its matching }
    let open = null;
    let parens = 0;
    scan: for (let j = i; j < lines.length; j++) {
      for (let k = 0; k < code[j].length; k++) {
        const c = code[j][k];
        if (c === '(') parens++;
        else if (c === ')') parens--;
        else if (parens === 0 && c === ';') break scan; // a declaration, not a definition
        else if (parens === 0 && c === '{') {
          open = [j, k];
          break scan;
        }
      }
    }
    if (!open) continue;
    let end = null;
    let d = 0;
    close: for (let j = open[0]; j < lines.length; j++) {
      for (let k = j === open[0] ? open[1] : 0; k < code[j].length; k++) {
        if (code[j][k] === '{') d++;
        else if (code[j][k] === '}' && --d === 0) {
          end = j;
          break close;
        }
      }
    }
    if (end === null) return { error: `${rel}: the body of "${name}" (line ${i + 1}) never closes` };
    let start = i;
    if (start > 0 && /^\s*template\s*</.test(code[start - 1])) start--;
    // the comments right above: `//` lines (up to a ruler, `// ---- spawn`) and /* */ blocks
    for (;;) {
      const above = (lines[start - 1] ?? '').trim();
      if (info?.[start - 1]?.marker) break; // a chapter marker: what is above belongs to something else
      if (above.startsWith('//') && !/^\/\/\s*-{4,}/.test(above)) start--;
      else if (above.endsWith('*/')) {
        let j = start - 1;
        while (j > 0 && !lines[j].includes('/*')) j--;
        if (!lines[j].trim().startsWith('/*')) break; // code before the comment on its line
        start = j;
      } else break;
    }
    ranges.push([start, end]);
    i = end;
  }
  if (!ranges.length) return { error: `no top-level function or struct "${name}" in ${rel}` };
  return { ranges };
}

function cppExcerpt(repo, fileRel, target, num, cache, at = null) {
  const src = loadSource(repo, fileRel, cache);
  if (!src) return { error: `no such file ${fileRel}` };
  if (src.problems.length) return { error: `${fileRel} has broken chapter markers (${src.problems[0].file}:${src.problems[0].line}: ${src.problems[0].msg})` };
  if (!arrived(src, num, at))
    return { error: `${fileRel} arrives in chapter ${src.header.id}, after this ${at ? 'step' : 'chapter'}` };
  if (/^chapter\b/.test(target.trim())) return { error: `${fileRel}: native/ excerpts take a function or struct; its chapter blocks show inside them` };
  const r = cppRanges(src.text, target.trim(), fileRel, src.info);
  if (r.error) return r;
  const shown = [];
  const parts = [];
  for (const [a, b] of r.ranges) {
    const part = [];
    for (let i = a; i <= b; i++) {
      const l = viewLine(src, i, num, at);
      if (l === null) continue;
      part.push(l.trimEnd());
      shown.push(i);
    }
    if (part.some((l) => l.trim() && !l.trim().startsWith('//'))) parts.push(part.join('\n'));
  }
  if (!parts.length) return { error: `${fileRel}#${target} is not in the code at the end of chapter ${num}` };
  return { text: parts.join('\n\n'), lines: shown, lang: 'cpp' };
}

/**
 * `native/binding.gyp#NAME`: the target whose "target_name" is NAME (its `{ … }`), as it
 * stands at the end of chapter `num` (binding.gyp carries the markers in `#` comments)
 */
function gypExcerpt(repo, fileRel, target, num, cache, view = null) {
  const src = loadSource(repo, fileRel, cache);
  if (!src) return { error: `no such file ${fileRel}` };
  if (src.problems.length) return { error: `${fileRel} has broken chapter markers (${src.problems[0].file}:${src.problems[0].line}: ${src.problems[0].msg})` };
  const name = target.trim();
  const at = src.lines.findIndex((l) => l.includes(`"target_name": "${name}"`));
  if (at < 0) return { error: `no target "${name}" in ${fileRel}` };
  const indent = (l) => /^\s*/.exec(l)[0].length;
  let a = at;
  while (a > 0 && !(src.lines[a].trim() === '{' && indent(src.lines[a]) < indent(src.lines[at]))) a--;
  let b = at;
  while (b < src.lines.length - 1 && !(src.lines[b].trim().startsWith('}') && indent(src.lines[b]) === indent(src.lines[a]))) b++;
  const part = [];
  const shown = [];
  for (let i = a; i <= b; i++) {
    const l = viewLine(src, i, num, view);
    if (l === null) continue;
    part.push(l);
    shown.push(i);
  }
  if (!viewLine(src, at, num, view)) return { error: `${fileRel}#${name} is not in the code at the end of chapter ${num}` };
  return { text: dedent(part).join('\n'), lines: shown, lang: 'python' };
}

/**
 * The text a directive stands for, as of chapter `num` (null: final code):
 * { text, lines, lang } where lines are the 0-based src lines shown, or { error }.
 */
export function excerpt(repo, fileRel, target, num, cache = new Map(), at = null) {
  if (isCpp(fileRel)) return cppExcerpt(repo, fileRel, target, num, cache, at);
  if (fileRel.endsWith('.gyp')) return gypExcerpt(repo, fileRel, target, num, cache, at);
  const src = loadSource(repo, fileRel, cache);
  if (!src) return { error: `no such file ${fileRel}` };
  if (src.problems.length) return { error: `${fileRel} has broken chapter markers (${src.problems[0].file}:${src.problems[0].line}: ${src.problems[0].msg})` };
  if (!arrived(src, num, at))
    return { error: `${fileRel} arrives in chapter ${src.header.id}, after this ${at ? 'step' : 'chapter'}` };

  let ranges;
  const ch = /^chapter[\s:]+(\d+)(?:-([\w-]+))?$/.exec(target.trim());
  const step = /^step[\s:]+(\d+\.\d+)$/.exec(target.trim());
  if (step) {
    // the code a step writes, as it stands right after that step (later steps may replace it)
    ranges = [];
    let prev = null;
    src.info.forEach((inf, i) => {
      if (inf.step !== step[1]) return;
      if (prev === inf.blockId) ranges[ranges.length - 1][1] = i;
      else ranges.push([i, i]);
      prev = inf.blockId;
    });
    if (!ranges.length) return { error: `no <step ${step[1]}> block (or <replaced-by … from ${step[1]}>) in ${fileRel}` };
  } else if (ch) {
    const wantNum = Number(ch[1]);
    const wantId = ch[2] ? `${ch[1]}-${ch[2]}` : null;
    if (num !== null && wantNum > num) return { error: `chapter ${ch[1]} comes after this chapter` };
    ranges = [];
    let prev = null;
    src.info.forEach((inf, i) => {
      const hit = inf.chapter && (wantId && inf.chapter.id ? inf.chapter.id === wantId : inf.chapter.num === wantNum);
      if (!hit) return;
      if (prev === inf.blockId) ranges[ranges.length - 1][1] = i;
      else ranges.push([i, i]);
      prev = inf.blockId;
    });
    if (!ranges.length) return { error: `no <chapter ${wantId ?? ch[1]}> block in ${fileRel}` };
  } else {
    const r = resolveSymbol(src, target.trim());
    if (r.error) return r;
    ranges = symbolRanges(src, r.nodes);
  }

  const shown = [];
  let text = null;
  let context = null;
  for (const [a, b] of ranges) {
    const part = [];
    for (let i = a; i <= b; i++) {
      const l = step ? src.info[i].code : viewLine(src, i, num, at);
      if (l === null) continue;
      part.push(l);
      shown.push(i);
    }
    const d = dedent(part);
    if (!d.length) continue;
    // a chapter's blocks out of their code: say which declaration each one goes in
    const where = ch || step ? enclosing(src, a) : null;
    if (text === null) text = (where ? `// in ${where}:\n` : '') + d.join('\n');
    else if (where === context) text += `\n${SEPARATOR}\n` + d.join('\n');
    else text += '\n\n' + (where ? `// in ${where}:\n` : '') + d.join('\n');
    context = where;
  }
  if (text === null) return { error: `${fileRel}#${target} is not in the code at the end of chapter ${num}` };
  return { text, lines: shown, lang: 'ts' };
}

/** "function run", "interface RunOptions", "Cleanup.add"...: the declaration around line i, or null at top level */
function enclosing(src, i) {
  const sf = sourceFile(src);
  const pos = sf.getPositionOfLineAndCharacter(i, 0);
  const inside = (n) => n.getStart(sf) < pos && pos < n.getEnd();
  const st = sf.statements.find(inside);
  if (!st) return null;
  let name;
  let kind;
  if (ts.isVariableStatement(st)) {
    const d = st.declarationList.declarations.find(inside) ?? st.declarationList.declarations[0];
    name = ts.isIdentifier(d.name) ? d.name.text : undefined;
    kind = st.declarationList.flags & ts.NodeFlags.Const ? 'const' : 'let';
  } else {
    name = declName(st);
    kind = ts.isFunctionDeclaration(st) ? 'function' : ts.isClassDeclaration(st) ? 'class' : ts.isInterfaceDeclaration(st)
      ? 'interface' : ts.isTypeAliasDeclaration(st) ? 'type' : ts.isEnumDeclaration(st) ? 'enum' : null;
    if (name && ts.isClassDeclaration(st)) {
      const m = st.members.find(inside);
      if (m && declName(m)) return `${name}.${declName(m)}`;
    }
  }
  return name && kind ? `${kind} ${name}` : null;
}

// ---- the book side ---------------------------------------------------------------

function fenceFor(text) {
  const runs = text.match(/`{3,}/g) ?? [];
  return '`'.repeat(Math.max(3, ...runs.map((r) => r.length + 1)));
}

/**
 * Check (and with write, fill) one book file. Returns
 * { problems: [{file,line,msg}], text (the filled markdown), shown: Map<file, Set<line>>, notShown: Map<file, line> }
 */
export function processBook(repo, bookRel, cache = new Map()) {
  const num = bookChapter(bookRel);
  const lines = readFileSync(join(repo, bookRel), 'utf8').split('\n');
  const out = [];
  const problems = [];
  const shown = new Map();
  const notShown = new Map();
  const at = (i, msg) => problems.push({ file: bookRel, line: i + 1, msg });
  let fence = null; // inside someone's fenced block: directives there are examples, not directives
  let step = null; // inside a `## Step N.M: …` section: its excerpts show the code as of that step
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!fence && /^## /.test(line)) {
      const m = /^## Step (\d+)\.(\d+)\b/.exec(line);
      step = m && Number(m[1]) === num ? [Number(m[1]), Number(m[2])] : null;
    }
    if (fence) {
      out.push(line);
      if (isClose(line, fence)) fence = null;
      continue;
    }
    const f = FENCE_RE.exec(line);
    if (f) {
      fence = f[1];
      out.push(line);
      continue;
    }
    const ns = NOT_SHOWN_RE.exec(line);
    if (ns) {
      out.push(line);
      if (!loadSource(repo, ns[1], cache)) at(i, `not-shown names a missing file ${ns[1]}`);
      else if (!ns[2]) at(i, `not-shown ${ns[1]} needs a reason: <!-- not-shown: ${ns[1]} — why -->`);
      else notShown.set(ns[1], i);
      continue;
    }
    const d = DIRECTIVE_RE.exec(line);
    if (!d) {
      if (/<!--\s*code:/.test(line)) at(i, 'malformed directive: write <!-- code: src/FILE.ts#NAME --> on a line of its own');
      out.push(line);
      continue;
    }
    out.push(line);
    const [, fileRel, target] = d;
    const ex = excerpt(repo, fileRel, target, num, cache, step);
    // the block that follows (if any): the very next line opens it
    let end = i; // last line of the existing block, or i when there is none
    let old = null;
    const open = FENCE_RE.exec(lines[i + 1] ?? '');
    if (open) {
      let j = i + 2;
      while (j < lines.length && !isClose(lines[j], open[1])) j++;
      if (j < lines.length) {
        old = lines.slice(i + 2, j).join('\n');
        end = j;
      } else {
        at(i + 1, 'code block is never closed');
      }
    }
    if (ex.error) {
      at(i, `dangling directive ${fileRel}#${target}: ${ex.error}`);
      out.push(...lines.slice(i + 1, end + 1));
    } else {
      for (const l of ex.lines) {
        if (!shown.has(fileRel)) shown.set(fileRel, new Set());
        shown.get(fileRel).add(l);
      }
      if (old === null) at(i, `no code block after ${fileRel}#${target} (run npm run book)`);
      else if (old !== ex.text || open[2].trim() !== ex.lang) at(i, `stale excerpt ${fileRel}#${target} (run npm run book)`);
      const fenceStr = fenceFor(ex.text);
      out.push(fenceStr + ex.lang, ...ex.text.split('\n'), fenceStr);
    }
    i = end;
  }
  if (num !== null) problems.push(...unshown(repo, bookRel, num, shown, notShown, cache));
  return { problems, text: out.join('\n') };
}

function srcFiles(repo) {
  const found = [];
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(m|c)?ts$/.test(e.name) && !e.name.endsWith('.d.ts')) found.push(relative(repo, p).split('\\').join('/'));
    }
  };
  walk(join(repo, 'src'));
  return found.sort();
}

/**
 * A chapter's new code must be shown: every file whose header names the chapter, and
 * every file with an inline block of the chapter (at least one line of those blocks),
 * unless the book says why not with <!-- not-shown: src/FILE.ts — reason -->.
 */
function unshown(repo, bookRel, num, shown, notShown, cache) {
  const problems = [];
  for (const rel of srcFiles(repo)) {
    if (notShown.has(rel)) continue;
    const src = loadSource(repo, rel, cache);
    const seen = shown.get(rel);
    if (src.header?.num === num) {
      if (!seen?.size)
        problems.push({ file: bookRel, line: 1, msg: `${rel} arrives in chapter ${src.header.id} but is never shown: add <!-- code: ${rel}#NAME --> or <!-- not-shown: ${rel} — reason -->` });
      continue;
    }
    const blockLines = src.info.flatMap((inf, i) => (inf.chapter?.num === num ? [i] : []));
    if (blockLines.length && !blockLines.some((i) => seen?.has(i))) {
      const id = src.info[blockLines[0]].chapter.id;
      problems.push({ file: bookRel, line: 1, msg: `${rel} changes in chapter ${id} (line ${blockLines[0] + 1}) but the change is never shown: add <!-- code: ${rel}#chapter ${id} --> or <!-- not-shown: ${rel} — reason -->` });
    }
  }
  return problems;
}

export function bookFiles(repo) {
  const dir = join(repo, 'book');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.md')).sort().map((f) => `book/${f}`);
}

/** check (write=false) or fill (write=true) every book file; returns { problems, changed } */
export function runBook(repo, { write = false } = {}) {
  const cache = new Map();
  const problems = [];
  const changed = [];
  for (const rel of srcFiles(repo)) problems.push(...loadSource(repo, rel, cache).problems);
  for (const bookRel of bookFiles(repo)) {
    const r = processBook(repo, bookRel, cache);
    let ps = r.problems;
    if (write) {
      const before = readFileSync(join(repo, bookRel), 'utf8');
      if (r.text !== before) {
        writeFileSync(join(repo, bookRel), r.text);
        changed.push(bookRel);
      }
      ps = ps.filter((p) => !/^(stale excerpt|no code block after)/.test(p.msg));
    }
    problems.push(...ps);
  }
  problems.push(...contents(repo));
  problems.push(...links(repo));
  // the steps (chapters/index.json): anchors, boxes, every test in one step; the cards' lists
  const warnings = [];
  const index = existsSync(join(repo, 'chapters', 'index.json')) ? loadIndex(repo) : [];
  if (index.some((c) => c.steps)) {
    const st = checkSteps(repo, index);
    problems.push(...st.problems);
    warnings.push(...st.warnings);
    for (const c of cards(repo, index)) {
      if (write && c.text !== null) {
        writeFileSync(join(repo, c.file), c.text);
        changed.push(c.file);
      } else problems.push(c);
    }
  }
  return { problems, changed, warnings };
}

/** a markdown file's lines outside fenced blocks, as [line, index] (a fence's own lines left out) */
function proseLines(text) {
  const out = [];
  let fence = null;
  text.split('\n').forEach((line, i) => {
    const f = FENCE_RE.exec(line);
    if (f) {
      if (fence === null) fence = f[1];
      else if (isClose(line, fence)) fence = null;
    } else if (fence === null) out.push([line, i]);
  });
  return out;
}

/** GitHub's anchors of a markdown file: its headings' slugs (a repeated one gets -1, -2, …) and <a name|id> */
function anchors(text) {
  const out = new Set();
  const seen = new Map();
  for (const [line] of proseLines(text)) {
    for (const m of line.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) out.add(m[1]);
    const h = /^#{1,6} (.+)$/.exec(line);
    if (!h) continue;
    // the heading as GitHub renders it: a link's text without its address, no HTML tags
    const base = slug(h[1].replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/<[^>]+>/g, ''));
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

/** every link from the book to a section of the book (`#anchor`, `NN-name.md#anchor`) names a heading there is */
function links(repo) {
  const texts = new Map(bookFiles(repo).map((f) => [f, readFileSync(join(repo, f), 'utf8')]));
  const known = new Map();
  const anchorsOf = (f) => {
    if (!known.has(f)) known.set(f, anchors(texts.get(f)));
    return known.get(f);
  };
  const problems = [];
  for (const [rel, text] of texts) {
    for (const [line, i] of proseLines(text)) {
      for (const m of line.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s#]*)#([^)\s]+)\)/g)) {
        const target = m[1] ? join(dirname(rel), m[1]) : rel;
        if (!texts.has(target)) continue; // outside the book: not this check's
        if (!anchorsOf(target).has(m[2])) problems.push({ file: rel, line: i + 1, msg: `the link to ${m[1]}#${m[2]} names no heading of ${target}` });
      }
    }
  }
  return problems;
}

/** book/README.md's contents link every chapter and appendix file there is, and only those */
function contents(repo) {
  const readme = 'book/README.md';
  if (!existsSync(join(repo, readme))) return [];
  const problems = [];
  const linked = new Set();
  readFileSync(join(repo, readme), 'utf8').split('\n').forEach((line, i) => {
    for (const m of line.matchAll(/\]\((?:\.\/)?((?:\d+|appendix)-[^)#\s/]+\.md)(?:#[^)]*)?\)/g)) {
      linked.add(m[1]);
      if (!existsSync(join(repo, 'book', m[1]))) problems.push({ file: readme, line: i + 1, msg: `links to book/${m[1]}, which does not exist` });
    }
  });
  for (const f of bookFiles(repo)) {
    const name = f.slice('book/'.length);
    if ((bookChapter(f) !== null || name.startsWith('appendix-')) && !linked.has(name)) problems.push({ file: readme, line: 1, msg: `the contents do not link to ${f}: add [${name.slice(0, -3)}](${name})` });
  }
  return problems;
}

function main(argv) {
  const check = argv.includes('--check');
  const r = argv.indexOf('--repo');
  const repo = resolve(r >= 0 ? argv[r + 1] ?? '.' : join(dirname(fileURLToPath(import.meta.url)), '..'));
  const { problems, changed, warnings } = runBook(repo, { write: !check });
  for (const f of changed) console.log(`updated ${f}`);
  for (const w of warnings) console.log(`${w.file}:${w.line}: warning: ${w.msg}`);
  for (const p of problems) console.log(`${p.file}:${p.line}: ${p.msg}`);
  if (problems.length) {
    console.log(`book: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
    return 1;
  }
  console.log(check ? 'book: every excerpt matches src/' : 'book: up to date');
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) process.exitCode = main(process.argv.slice(2));
