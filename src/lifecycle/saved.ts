// chapter: 05-lifecycle step 5.1
// What `run` was asked, kept beside the record (<dir>/options.json) so that `start`
// can walk the same steps again. -e KEY (copied from the CLI's environment) is kept
// as KEY=VALUE: a later start must not take it from its own caller's environment.
const { readFileSync } = process.getBuiltinModule('node:fs');
import { join } from 'node:path';
import type { RunOptions } from '../container/config.js';
import { containerDir, writeAtomic } from '../container/store.js';

const file = (root: string, id: string) => join(containerDir(root, id), 'options.json');

export function saveOptions(root: string, id: string, o: RunOptions): void {
  const env = o.env.flatMap((kv) => (kv.includes('=') ? [kv] : process.env[kv] !== undefined ? [`${kv}=${process.env[kv]}`] : []));
  writeAtomic(file(root, id), JSON.stringify({ ...o, env }, null, 2));
}

export function loadOptions(root: string, id: string): RunOptions {
  return JSON.parse(readFileSync(file(root, id), 'utf8'));
}
