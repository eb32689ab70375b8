// chapter: 03-rootfs step 3.1
// The size of a layer as docker's SIZE column counts it: the bytes of its regular
// files. A layer is untrusted (an imported tarball, a container's writable layer), so
// the walk never follows a symlink: `data -> /etc` is a name, not the host's /etc,
// and `x -> .` is not a loop. (Node's readdirSync({recursive: true}) does follow
// them.) readdir's d_type says what an entry is without following it; where a file
// system does not say, Node lstat's the entry. The walk is a loop over a list of
// folders (no recursion to overflow) and is bounded by the same entry count as
// unpacking, so a huge tree ends in one clear error.
const { lstatSync, readdirSync } = process.getBuiltinModule('node:fs');
import { join, relative } from 'node:path';
import { RuntimeError } from '../errors.js';

/** the bytes of the regular files under dir, never through a symlink; at most maxEntries entries */
export function treeSize(dir: string, maxEntries: number): number {
  let sum = 0;
  let entries = 0;
  const folders = [dir];
  for (let at = folders.pop(); at !== undefined; at = folders.pop()) {
    let list;
    try {
      list = readdirSync(at, { withFileTypes: true });
    } catch (e) {
      throw new RuntimeError(`invalid layer: reading "/${relative(dir, at)}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'runtime', { cause: e });
    }
    for (const e of list) {
      if (++entries > maxEntries) throw new RuntimeError(`invalid layer: more than ${maxEntries} entries (the limit, MYDOCKER_MAX_LAYER_ENTRIES)`);
      if (e.isDirectory()) folders.push(join(at, e.name));
      else if (e.isFile()) sum += lstatSync(join(at, e.name)).size;
    }
  }
  return sum;
}
