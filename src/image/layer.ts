// chapter: 03-rootfs
// A layer is a tarball, and a tarball is untrusted input. node-tar does the
// extraction and already refuses `..` in names and hardlinks out of the layer;
// this module adds what a runtime needs on top:
//   - symlinks are made after everything else, with their targets exactly as written
//     (node-tar would make /bin/busybox relative), and no entry may go through one;
//   - OCI whiteouts become overlay's: `.wh.NAME` → a 0/0 character device NAME,
//     `.wh..wh..opq` → the xattr trusted.overlay.opaque=y on its directory;
//   - anything node-tar had to refuse fails the whole layer: no partial image.
// packLayer goes the other way, from a container's upper directory to a layer tar.
import { createReadStream, lstatSync, mkdirSync, readdirSync, rmSync, symlinkSync, lchownSync } from 'node:fs';
import { join } from 'node:path';
import { Header, Pack, ReadEntry, extract } from 'tar';
import { RuntimeError } from '../errors.js';
import { log } from '../log.js';
import { native } from '../native.js';

const OPAQUE_XATTR = 'trusted.overlay.opaque';
const WH = '.wh.';
const OPAQUE = '.wh..wh..opq';

/** a tar entry's name as a relative path, or an error for names that leave the layer */
export function cleanName(name: string): string {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new RuntimeError(`invalid layer: entry "${name}" leaves the layer`);
  return parts.join('/');
}

/**
 * the host path of rel inside dir; parents are created as needed and must be real
 * directories (never symlinks), so nothing done at the result lands outside dir
 */
export function pathInside(dir: string, rel: string): string {
  const parts = cleanName(rel).split('/');
  let at = dir;
  for (const part of parts.slice(0, -1)) {
    at = join(at, part);
    let st;
    try {
      st = lstatSync(at);
    } catch {
      mkdirSync(at, { mode: 0o755 });
      continue;
    }
    if (!st.isDirectory()) throw new RuntimeError(`invalid layer: "${rel}" goes through a ${st.isSymbolicLink() ? 'symlink' : 'file'}`);
  }
  return join(at, parts[parts.length - 1]);
}

interface LinkFix {
  path: string;
  target: string;
  uid: number;
  gid: number;
}

/** unpack a layer tarball (plain or gzip) from file into dest */
export async function unpackLayer(file: string, dest: string): Promise<void> {
  mkdirSync(dest, { recursive: true, mode: 0o755 });
  const whiteouts: string[] = [];
  const opaque: string[] = [];
  // symlinks are made last, by us: while node-tar writes, dest holds none to write through
  const links = new Map<string, LinkFix>();
  let failure: string | undefined;
  // modes exactly as in the layer (setuid bits, sticky /tmp): no umask while unpacking
  const umask = process.umask(0);
  await new Promise<void>((resolve, reject) => {
    const x = extract({
      cwd: dest,
      preserveOwner: true,
      filter(path, entry) {
        const e = entry as ReadEntry;
        let name;
        try {
          name = cleanName(path);
        } catch (err) {
          failure ??= (err as Error).message.replace(/^invalid layer: /, '');
          return false;
        }
        // a name below an earlier symlink would be written through it: docker calls that a breakout
        for (let i = name.indexOf('/'); i > 0; i = name.indexOf('/', i + 1)) {
          if (links.has(name.slice(0, i))) {
            failure ??= `entry "${path}" goes through the symlink "${name.slice(0, i)}"`;
            return false;
          }
        }
        const base = name.slice(name.lastIndexOf('/') + 1);
        const dir = name.slice(0, name.length - base.length);
        if (base === OPAQUE) {
          opaque.push(dir);
          return false;
        }
        if (base.startsWith(WH)) {
          if (base === WH) {
            failure ??= `entry "${path}" is a whiteout of nothing`;
            return false;
          }
          whiteouts.push(dir + base.slice(WH.length));
          return false;
        }
        links.delete(name); // a later entry of the same name replaces the link
        if (e.type === 'SymbolicLink') {
          links.set(name, { path: name, target: String(e.linkpath), uid: e.uid ?? 0, gid: e.gid ?? 0 });
          return false;
        }
        return true;
      },
      onwarn(code, message) {
        if (code === 'TAR_ENTRY_INFO') return; // "stripping / from absolute path": a rootfs tar may say /bin
        if (code === 'TAR_ENTRY_UNSUPPORTED') return log.debug(`layer: ${message} (skipped: a container gets its own /dev)`);
        failure ??= message.replace(/^TAR_\w+: /, '');
      },
    });
    x.on('error', reject);
    x.on('close', resolve);
    const input = createReadStream(file);
    input.on('error', reject);
    input.pipe(x);
  })
    .catch((e: Error) => {
      failure ??= e.message;
    })
    .finally(() => process.umask(umask));
  if (failure) throw new RuntimeError(`invalid layer: ${failure}`);

  // nothing writes into dest any more. A symlink is only a name, its target kept
  // exactly (absolute, or climbing above the root): the container resolves it in its own root
  for (const l of links.values()) {
    const at = pathInside(dest, l.path);
    rmSync(at, { recursive: true, force: true });
    symlinkSync(l.target, at);
    lchownSync(at, l.uid, l.gid);
  }
  for (const w of whiteouts) {
    const at = pathInside(dest, w);
    rmSync(at, { recursive: true, force: true });
    native.mknod(at, 0o020000, 0, 0); // S_IFCHR, device 0/0: overlay's whiteout
  }
  for (const d of opaque) {
    const at = d === '' ? dest : pathInside(dest, d.replace(/\/$/, ''));
    mkdirSync(at, { recursive: true });
    native.lsetxattr(at, OPAQUE_XATTR, 'y');
  }
}

/**
 * a container's upper directory as a layer tar stream: overlay's whiteouts become
 * `.wh.` entries and opaque directories get `.wh..wh..opq`
 */
export function packLayer(upper: string, exclude: string[] = []): Pack {
  const marks: string[] = [];
  (function walk(rel: string) {
    for (const name of readdirSync(join(upper, rel))) {
      const path = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(upper, path));
      if (st.isCharacterDevice() && st.rdev === 0) marks.push(`${rel ? `${rel}/` : ''}${WH}${name}`);
      else if (st.isDirectory()) {
        if (native.lgetxattr(join(upper, path), OPAQUE_XATTR) === 'y') marks.push(`${path}/${OPAQUE}`);
        walk(path);
      }
    }
  })('');
  const pack = new Pack({
    cwd: upper,
    portable: false,
    filter: (path, st) => !exclude.includes(cleanName(path)) && !('isCharacterDevice' in st && st.isCharacterDevice() && st.rdev === 0),
  });
  const now = new Date();
  for (const path of marks) {
    const entry = new ReadEntry(new Header({ path, type: 'File', mode: 0o644, size: 0, uid: 0, gid: 0, mtime: now }));
    pack.write(entry);
    entry.end();
  }
  for (const name of readdirSync(upper)) pack.write(name);
  pack.end();
  return pack;
}
