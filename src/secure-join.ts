// chapter: 03-rootfs step 3.1
// Paths inside a container's root filesystem, resolved as the container would:
// a symlink in the image can never lead a mount outside it.
const { lstatSync, readlinkSync } = process.getBuiltinModule('node:fs');
import { join } from 'node:path';

/**
 * The path inside the container's root that `unsafe` names, following symlinks
 * as if root were "/": a symlink in the image can never lead a mount outside it.
 */
export function secureJoin(root: string, unsafe: string): string {
  let todo = unsafe.split('/').filter((p) => p && p !== '.');
  const done: string[] = [];
  for (let links = 0; todo.length; ) {
    const part = todo.shift()!;
    if (part === '..') {
      done.pop();
      continue;
    }
    const path = join(root, ...done, part);
    let isLink = false;
    try {
      isLink = lstatSync(path).isSymbolicLink();
    } catch {
      // does not exist (yet): fine, it will be created as a directory or a file
    }
    if (!isLink) {
      done.push(part);
      continue;
    }
    if (++links > 40) throw new Error(`too many levels of symbolic links in ${unsafe}`);
    const target = readlinkSync(path);
    if (target.startsWith('/')) done.length = 0;
    todo = [...target.split('/').filter((p) => p && p !== '.'), ...todo];
  }
  return join(root, ...done);
}
