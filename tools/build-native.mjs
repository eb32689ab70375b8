// Builds native/ with node-gyp against the installed Node's headers (offline):
// node-gyp would otherwise try to download them.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const prefix = dirname(dirname(process.execPath));
const args = [require.resolve('node-gyp/bin/node-gyp.js'), 'rebuild', '--directory', 'native'];
if (existsSync(join(prefix, 'include', 'node', 'node.h'))) args.push(`--nodedir=${prefix}`);
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
