// chapter: 09-daemon
// `docker diff`: what a container changed, read off its writable (upper) layer.
// Each path there is Added when no image layer has it, Changed when one does, and an
// overlay whiteout (a 0:0 character device) is a Deleted path. The files the runtime
// binds over (hosts, hostname, resolv.conf) are not the container's changes.
const { existsSync, lstatSync, readdirSync } = process.getBuiltinModule('node:fs');
import { join } from 'node:path';
import { containerDir, findContainer } from '../container/store.js';
import { withStore } from '../container/sweep.js';
import { GENERATED_FILES } from '../rootfs/prepare.js';
import { hex, openImageStore } from './store.js';

/** docker's kinds: 0 changed, 1 added, 2 deleted */
export interface Change {
  Path: string;
  Kind: 0 | 1 | 2;
}

/** the container's changes, sorted by path as docker lists them */
export function containerChanges(root: string, ref: string, maxEntries = 1_000_000): Change[] {
  const c = withStore(root, () => findContainer(root, ref));
  const upper = join(containerDir(root, c.id), 'upper');
  const image = c.image ? openImageStore(root).find(hex(c.image)) : undefined;
  const lower = image?.layers ?? [];
  const inLower = (rel: string) => lower.some((dir) => existsSync(join(dir, rel)) || isLink(join(dir, rel)));
  const out: Change[] = [];
  if (!existsSync(upper)) return out;
  (function walk(rel: string) {
    for (const name of readdirSync(join(upper, rel))) {
      const path = rel ? `${rel}/${name}` : name;
      if (GENERATED_FILES.includes(path)) continue;
      if (out.length >= maxEntries) return;
      const st = lstatSync(join(upper, path));
      if (st.isCharacterDevice() && st.rdev === 0) out.push({ Path: `/${path}`, Kind: 2 });
      else {
        const there = inLower(path);
        if (!(st.isDirectory() && there && !hasChanges(join(upper, path), path))) out.push({ Path: `/${path}`, Kind: there ? 0 : 1 });
        if (st.isDirectory()) walk(path); // lstat: never through a symlink the container made
      }
    }
  })('');
  return out.sort((a, b) => a.Path.localeCompare(b.Path));
}

/** a directory of the image that the container only passed through to a generated file is not a change */
function hasChanges(dir: string, rel: string): boolean {
  return readdirSync(dir).some((n) => !GENERATED_FILES.includes(`${rel}/${n}`));
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
