// Where our own files are (dist/init.js, the addon's helpers, data under src/). This
// file sits at the top of dist/, as does every bundle `npm run build` makes of the
// CLI and the init (tools/bundle.mjs): a path relative to this file's URL holds in
// both layouts, where one relative to a nested module's URL would not once bundled.
import { fileURLToPath } from 'node:url';

/** a path inside the package, e.g. ownFile('dist/init.js') */
export function ownFile(rel: string): string {
  return fileURLToPath(new URL(`../${rel}`, import.meta.url));
}
