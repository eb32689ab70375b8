// chapter: 03-rootfs step 3.1
// A layer is a tarball, and a tarball is untrusted input. node-tar does the
// extraction and already refuses `..` in names and hardlinks out of the layer;
// this module adds what a runtime needs on top:
//   - symlinks are made after everything else, with their targets exactly as written
//     (node-tar would make /bin/busybox relative), and no entry may go through one;
//   - OCI whiteouts become overlay's: `.wh.NAME` → a 0/0 character device NAME,
//     `.wh..wh..opq` → the xattr trusted.overlay.opaque=y on its directory;
//   - FIFOs are kept; device nodes are skipped with a warning (a container gets its
//     own /dev, and a disk's node in an image would be a way onto the host's disk);
//   - anything node-tar had to refuse fails the whole layer: no partial image;
//   - a layer is bounded: MYDOCKER_MAX_LAYER_BYTES uncompressed bytes (default
//     16g) and MYDOCKER_MAX_LAYER_ENTRIES entries (default 1000000).
// packLayer goes the other way, from a container's upper directory to a layer tar.
const { chmodSync, createReadStream, lstatSync, mkdirSync, readdirSync, rmSync, symlinkSync, lchownSync } = process.getBuiltinModule('node:fs');
import { join } from 'node:path';
import { gunzipSync, constants as zlib } from 'node:zlib';
import { Header, Pack, ReadEntry, extract } from 'tar';
// <step 3.5>
import { parseBytes } from '../cgroups/limits.js';
// </step 3.5>
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

export interface LayerLimits {
  /** uncompressed bytes of one layer */
  bytes: number;
  /** entries (files, directories, links…) of one layer */
  entries: number;
}

export const DEFAULT_LAYER_LIMITS: LayerLimits = { bytes: 16 * 1024 ** 3, entries: 1_000_000 };

/** the limits, from MYDOCKER_MAX_LAYER_BYTES (docker's sizes: 512m, 2g) and MYDOCKER_MAX_LAYER_ENTRIES */
export function layerLimits(env: NodeJS.ProcessEnv = process.env): LayerLimits {
  const limits = { ...DEFAULT_LAYER_LIMITS };
  // <step 3.5>
  const bytes = env.MYDOCKER_MAX_LAYER_BYTES;
  if (bytes) limits.bytes = parseBytes(bytes, 'MYDOCKER_MAX_LAYER_BYTES');
  const entries = env.MYDOCKER_MAX_LAYER_ENTRIES;
  if (entries) {
    if (!/^\d+$/.test(entries) || Number(entries) < 1) throw new RuntimeError(`invalid MYDOCKER_MAX_LAYER_ENTRIES "${entries}": a whole number of at least 1`);
    limits.entries = Number(entries);
  }
  // </step 3.5>
  // <replaced-by 3.5 from 3.1>
  //~ void env; // step 3.5 reads the limits from it
  // </replaced-by 3.5>
  return limits;
}

export const tooBig = (l: LayerLimits) => new RuntimeError(`invalid layer: more than ${l.bytes} bytes uncompressed (the limit, MYDOCKER_MAX_LAYER_BYTES)`);

/**
 * the first bytes of a layer (plain or gzip) must be a tar header with a valid
 * checksum: anything else is refused before it is read any further
 */
export function checkTarHead(head: Buffer): void {
  let block = head;
  if (head[0] === 0x1f && head[1] === 0x8b) {
    try {
      // a few KiB of gzip give far more than one block: inflate just those
      block = gunzipSync(head.subarray(0, 4096), { finishFlush: zlib.Z_SYNC_FLUSH });
    } catch (e) {
      throw new RuntimeError(`invalid layer: not a gzip stream (${(e as Error).message})`, 'runtime', { cause: e });
    }
  }
  const header = block.length >= 512 ? new Header(block.subarray(0, 512)) : undefined;
  if (!header || header.nullBlock || !header.cksumValid) throw new RuntimeError('invalid tar header: the input is not a tar archive (plain or gzip)');
}

interface LinkFix {
  path: string;
  target: string;
  uid: number;
  gid: number;
}

/** unpack a layer tarball (plain or gzip), a file or a stream, into dest */
export async function unpackLayer(source: string | NodeJS.ReadableStream, dest: string, limits: LayerLimits = DEFAULT_LAYER_LIMITS): Promise<void> {
  mkdirSync(dest, { recursive: true, mode: 0o755 });
  const whiteouts: string[] = [];
  const opaque: string[] = [];
  // symlinks (and FIFOs) are made last, by us: while node-tar writes, dest holds none to write through
  const links = new Map<string, LinkFix>();
  const fifos = new Map<string, LinkFix & { mode: number }>();
  const devices: string[] = [];
  let entries = 0;
  let failure: string | undefined;
  // modes exactly as in the layer (setuid bits, sticky /tmp): no umask while unpacking
  const umask = process.umask(0);
  await (async () => {
    // node-tar's sync mode: each chunk written in is unpacked right there, with sync fs
    // calls (the async mode's round trips through libuv's thread pool made a busybox
    // layer take 2-4× as long). It is fed by hand: once it has refused an entry, the
    // sync unpacker never emits 'close'
    const x = extract({
      sync: true,
      cwd: dest,
      preserveOwner: true,
      filter(path, entry) {
        const e = entry as ReadEntry;
        if (++entries > limits.entries) {
          failure ??= `more than ${limits.entries} entries (the limit, MYDOCKER_MAX_LAYER_ENTRIES)`;
          x.abort(new Error(failure));
          return false;
        }
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
        fifos.delete(name);
        if (e.type === 'SymbolicLink') {
          links.set(name, { path: name, target: String(e.linkpath), uid: e.uid ?? 0, gid: e.gid ?? 0 });
          return false;
        }
        if (e.type === 'FIFO') {
          fifos.set(name, { path: name, target: '', uid: e.uid ?? 0, gid: e.gid ?? 0, mode: (e.mode ?? 0o644) & 0o7777 });
          return false;
        }
        if (e.type === 'CharacterDevice' || e.type === 'BlockDevice') {
          devices.push(name);
          return false;
        }
        return true;
      },
      onwarn(code, message, data) {
        if (code === 'TAR_ENTRY_INFO') return; // "stripping / from absolute path": a rootfs tar may say /bin
        failure ??= entryError(message, data as EntryWarning, dest);
      },
    });
    let refused: Error | undefined;
    x.on('error', (e: Error) => (refused ??= e));
    const input: NodeJS.ReadableStream = typeof source === 'string' ? createReadStream(source, { highWaterMark: 1024 * 1024 }) : source;
    for await (const chunk of input) {
      x.write(chunk as Buffer);
      if (refused || failure) break; // the layer is refused: stop reading it
    }
    if (!refused && !failure) x.end(); // what is left, and the check for a truncated archive
    if (refused) throw refused;
  })()
    .catch((e: Error) => {
      if (e instanceof RuntimeError) throw e; // the stream's own failure (a limit), already in words
      failure ??= entryError(e.message, e as EntryWarning, dest);
    })
    .finally(() => process.umask(umask));
  if (failure) throw new RuntimeError(`invalid layer: ${failure}`);
  if (devices.length) log.warn(`layer: ${devices.length} device node${devices.length > 1 ? 's' : ''} skipped (/${devices[0]}${devices.length > 1 ? ', …' : ''}): a container gets its own /dev`);

  // nothing writes into dest any more. A symlink is only a name, its target kept
  // exactly (absolute, or climbing above the root): the container resolves it in its own root
  for (const l of links.values()) {
    const at = pathInside(dest, l.path);
    if (lstatSync(at, { throwIfNoEntry: false })) rmSync(at, { recursive: true, force: true }); // an earlier entry of that name
    symlinkSync(l.target, at);
    lchownSync(at, l.uid, l.gid);
  }
  for (const f of fifos.values()) {
    const at = pathInside(dest, f.path);
    rmSync(at, { recursive: true, force: true });
    native.mknod(at, 0o010000, 0, 0); // S_IFIFO
    chmodSync(at, f.mode);
    lchownSync(at, f.uid, f.gid);
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

interface EntryWarning {
  code?: string;
  syscall?: string;
  entry?: { path?: string; linkpath?: string; type?: string };
}

const ERRNO_TEXT: Record<string, string> = {
  ENAMETOOLONG: 'file name too long',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  EEXIST: 'file exists',
  ENOSPC: 'no space left on device',
  EISDIR: 'is a directory',
  EPERM: 'operation not permitted',
  EACCES: 'permission denied',
};

/** node-tar's complaint about an entry, in one line that names the entry, never our scratch paths */
function entryError(message: string, data: EntryWarning | undefined, dest: string): string {
  const entry = data?.entry;
  const code = data?.code ?? '';
  if (entry?.path && /^E[A-Z]+$/.test(code)) {
    if (entry.type === 'Link' && code === 'ENOENT') return `hard link "${entry.path}" points to "${entry.linkpath}", which is not in the layer before it`;
    return `entry "${entry.path}": ${ERRNO_TEXT[code] ?? code.toLowerCase()}`;
  }
  return message.replace(/^TAR_\w+: /, '').split(`${dest}/`).join('').split(dest).join('/');
}

/**
 * a container's upper directory as a layer tar stream: overlay's whiteouts become
 * `.wh.` entries and opaque directories get `.wh..wh..opq`
 */
export function packLayer(upper: string, exclude: string[], maxEntries: number): Pack {
  const marks: string[] = [];
  let entries = 0;
  // lstat: a symlink is packed as a link, never followed (the container may point one at the host's /)
  (function walk(rel: string) {
    for (const name of readdirSync(join(upper, rel))) {
      if (++entries > maxEntries) throw new RuntimeError(`invalid layer: more than ${maxEntries} entries (the limit, MYDOCKER_MAX_LAYER_ENTRIES)`);
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
