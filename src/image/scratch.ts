// chapter: 03-rootfs step 3.1
// Scratch folders of image commands: images/tmp/<pid>-<start time>-<random>.
// The owner's pid and start time are in the name, so a folder whose owner is no
// longer alive (an `import` killed with -9) is found and removed by the next
// image command, while the folders of imports still running are left alone.
const { mkdirSync, readdirSync, rmSync } = process.getBuiltinModule('node:fs');
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { processStartTime } from '../container/state.js';

const NAME_RE = /^(\d+)-(\d+)-[0-9a-f]+$/;

/** remove the scratch folders under dir whose owner died; returns their names */
export function sweepScratch(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const swept: string[] = [];
  for (const name of names) {
    const m = NAME_RE.exec(name);
    if (!m || processStartTime(Number(m[1])) === m[2]) continue; // unknown, or its owner is alive
    rmSync(join(dir, name), { recursive: true, force: true });
    swept.push(name);
  }
  return swept;
}

/** a scratch folder under dir, removed whatever happens (or by the next sweep, if we are killed) */
export async function withScratch<T>(dir: string, fn: (tmp: string) => Promise<T>): Promise<T> {
  const tmp = join(dir, `${process.pid}-${processStartTime(process.pid) ?? 0}-${randomBytes(4).toString('hex')}`);
  mkdirSync(tmp, { recursive: true, mode: 0o700 });
  try {
    return await fn(tmp);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
