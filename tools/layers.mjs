// The layering rule (book/ARCHITECTURE.md, "Layers"), run by `npm run lint`: the core
// imports no feature folder. The core is src/container/, src/run.ts and the
// command-line toolkit (src/toolkit/: args.ts, command.ts, format.ts); a feature reaches it
// through the lists of the composition roots (src/steps.ts, src/cli/commands.ts, …),
// and what it must undo when a container ends is a hook on its step (Step.reclaim).
// Reads every import of src/ (static, dynamic, re-export, `declare module`; the
// earlier chapters' `//~ ` lines too) and names each file and import that breaks it.
//   node tools/layers.mjs [SRC_DIR]      (default: src/ of this checkout)
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const src = resolve(process.argv[2] ?? join(import.meta.dirname, '..', 'src'));
const FEATURES = ['cgroups', 'rootfs', 'security', 'lifecycle', 'network', 'image', 'oci', 'daemon'];
const CORE = [/^container\//, /^run\.ts$/, /^toolkit\//];
/** at most four, each with its reason: the same list is in book/ARCHITECTURE.md ("Layers") */
const ALLOWED = new Map([
  // ['container/file.ts -> ../feature/file.js', 'why the core cannot do without it'],
]);

const files = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : /\.ts$/.test(e.name) ? [join(dir, e.name)] : []));

/** the modules a file names: imports, re-exports, dynamic imports, and the interfaces it adds to */
function imports(text) {
  const code = text
    .split('\n')
    .map((l) => l.replace(/^(\s*)\/\/~ /, '$1')) // an earlier chapter's code is code in that chapter
    .filter((l) => !/^\s*(\/\/|\/?\*)/.test(l)) // comments
    .join('\n');
  const found = [];
  for (const re of [/\bfrom\s*'([^']+)'/g, /\bimport\s*\(\s*'([^']+)'\s*\)/g, /\bimport\s+'([^']+)'/g, /\bdeclare\s+module\s+'([^']+)'/g])
    for (const m of code.matchAll(re)) found.push(m[1]);
  return found;
}

const broken = [];
for (const file of files(src)) {
  const name = relative(src, file);
  if (!CORE.some((re) => re.test(name))) continue;
  for (const spec of imports(readFileSync(file, 'utf8'))) {
    if (!spec.startsWith('.')) continue; // node: and npm packages
    const target = relative(src, resolve(dirname(file), spec));
    if (!FEATURES.includes(target.split('/')[0])) continue;
    if (ALLOWED.has(`${name} -> ${spec}`)) continue;
    broken.push(`src/${name}: imports '${spec}' (src/${target}): the core imports no feature folder`);
  }
}
if (ALLOWED.size > 4) broken.push(`tools/layers.mjs: ${ALLOWED.size} exceptions; at most four`);
for (const b of broken) console.error(`layers: ${b}`);
if (broken.length) {
  console.error("layers: a feature joins through a composition root's list (src/steps.ts, src/cli/commands.ts, …) or a hook on its step; see book/ARCHITECTURE.md");
  process.exit(1);
}
