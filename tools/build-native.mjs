// Builds native/ (or the folder given: a chapter's native code, tools/chapter.mjs) with
// node-gyp against the running Node's headers (offline): node-gyp would otherwise try
// to download them.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const prefix = dirname(dirname(process.execPath));
const args = [require.resolve('node-gyp/bin/node-gyp.js'), 'rebuild', '--directory', process.argv[2] ?? 'native'];
const env = { ...process.env };
if (existsSync(join(prefix, 'include', 'node', 'node.h'))) {
  args.push(`--nodedir=${prefix}`);
  // npm passes its config on as npm_config_* variables, and node-gyp lets them
  // win over its command line: a `nodedir` in ~/.npmrc would build against
  // another Node's headers
  env.npm_config_nodedir = prefix;
}
const r = spawnSync(process.execPath, args, { stdio: 'inherit', env });
process.exit(r.status ?? 1);
