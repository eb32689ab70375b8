// After tsc (`npm run build`): the two programs on every container's start-up path
// become bundles, in place. Each ES module Node loads costs ~0.5-1 ms here (resolve,
// read, a package.json lookup per folder, link), and a run loaded ~80 of them; a
// bundle is one file.
//   dist/init.js  the container's init: one file, everything it imports inside
//   dist/cli.js   the CLI: one file for what every command needs, and chunks
//                 (dist/chunk-*.js) for what the `await import()`s load: still lazy
// The rest of dist/ stays as tsc wrote it (bin/mydocker-runc runs dist/oci/main.js).
// Bundles sit at the top of dist/, as src/paths.ts does: paths made from its URL
// hold in both layouts. npm packages stay outside (node_modules), loaded when used.
// A generated chapter (npm run chapter) builds with tsc alone and runs unbundled.
import { readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const dist = resolve(process.argv[2] ?? join(import.meta.dirname, '..', 'dist'));
const common = { bundle: true, platform: 'node', format: 'esm', target: 'node24', packages: 'external', outdir: dist, allowOverwrite: true, logLevel: 'warning' };

for (const f of readdirSync(dist)) if (/^chunk-\w+\.js$/.test(f)) rmSync(join(dist, f)); // an earlier build's
await build({ ...common, entryPoints: [join(dist, 'init.js')] });
await build({ ...common, entryPoints: [join(dist, 'cli.js')], splitting: true, chunkNames: 'chunk-[hash]' });
