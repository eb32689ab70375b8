// chapter: 03-rootfs step 3.1
// Containers outlive their process: each has a folder under <root>/containers/<id>/
// with config.json (what was asked), state.json (what happened), and its writable
// layer (upper/, work/) plus the rootfs mount point. Names are unique: they are
// checked and taken under one lock.
const { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } = process.getBuiltinModule('node:fs');
import { dirname, join } from 'node:path';
import { RuntimeError } from '../errors.js';
import { mountinfo } from '../mountinfo.js';
import { LOCK_EX, LOCK_UN, native } from '../native.js';
import { shortId } from './id.js';
import type { ContainerState } from './state.js';

interface ContainerConfig {
  id: string;
  name: string;
  /** the image id ("sha256:…"), or absent when the container runs on the host's files */
  image?: string;
  /** what the user typed for the image */
  imageRef?: string;
  args: string[];
  env: string[];
  cwd: string;
  hostname: string;
  tty: boolean;
  interactive: boolean;
  autoRemove: boolean;
  volumes: string[];
  created: string;
}

export const containersDir = (root: string) => join(root, 'containers');
export const containerDir = (root: string, id: string) => join(root, 'containers', id);

/**
 * The sweep's index (src/container/sweep.ts): an empty file per container the sweep
 * may still have to set right, <root>/containers/.sweep/<id>. A record that is not
 * "exited" is marked each time it is written; the sweep unmarks a container it finds
 * settled (exited, nothing held, nothing to remove). A container goes from settled
 * to not only under the store's lock (run makes it, start reopens it), so the sweep,
 * which holds that lock, never unmarks one that is starting. Each run then reads the
 * records of the containers that are running or ending, not of every stopped one.
 */
export const sweepIndex = (root: string) => join(root, 'containers', '.sweep');

export function markForSweep(root: string, id: string): void {
  const file = join(sweepIndex(root), id);
  try {
    closeSync(openSync(file, 'a'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    mkdirSync(sweepIndex(root), { recursive: true, mode: 0o700 });
    closeSync(openSync(file, 'a'));
  }
}

export function unmarkForSweep(root: string, id: string): void {
  rmSync(join(sweepIndex(root), id), { force: true });
}

/** write a file so that readers see the old or the new content, never half of it */
export function writeAtomic(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

const held = new Set<string>();

/**
 * run fn while holding <dir>/.lock (flock: released by the kernel if we die). Inside
 * fn the same lock can be taken again: flock on a second fd of the file would wait
 * for this process itself, so a lock this process holds is simply not taken twice.
 * Without a state folder at all (a command that only reads, e.g. `ps --root NEW`),
 * there is nothing to lock or to read, and the folder is not made: fn runs as it is.
 */
export function withLock<T>(dir: string, fn: () => T): T {
  if (held.has(dir) || !existsSync(dirname(dir))) return fn();
  mkdirSync(dir, { recursive: true });
  const fd = openSync(join(dir, '.lock'), 'a');
  try {
    native.flock(fd, LOCK_EX);
    held.add(dir);
    return fn();
  } finally {
    held.delete(dir);
    try {
      native.flock(fd, LOCK_UN);
    } finally {
      closeSync(fd);
    }
  }
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function listContainers(root: string): ContainerConfig[] {
  const dir = containersDir(root);
  if (!existsSync(dir)) return [];
  const out: ContainerConfig[] = [];
  for (const id of readdirSync(dir)) {
    if (!/^[0-9a-f]{64}$/.test(id)) continue;
    try {
      out.push(JSON.parse(readFileSync(join(dir, id, 'config.json'), 'utf8')));
    } catch {
      // being created or removed right now
    }
  }
  return out;
}

/** record a new container, with the store's lock held; its name must be free (the default name is the short id) */
export function createContainer(root: string, config: ContainerConfig, state: ContainerState): void {
  if (!NAME_RE.test(config.name)) throw new RuntimeError(`invalid container name "${config.name}": only [a-zA-Z0-9][a-zA-Z0-9_.-]+ are allowed`);
  {
    // the default name is the new id's short form: no other container can hold it unless a
    // user chose those 12 random digits, so only a chosen name is checked (every record read)
    const clash = config.name !== shortId(config.id) && listContainers(root).find((c) => c.name === config.name);
    if (clash)
      throw new RuntimeError(
        `Conflict. The container name "/${config.name}" is already in use by container "${clash.id}". You have to remove (or rename) that container to be able to reuse that name.`,
        'conflict',
      );
    const dir = containerDir(root, config.id);
    mkdirSync(dir, { recursive: true, mode: 0o711 });
    writeAtomic(join(dir, 'config.json'), JSON.stringify(config, null, 2));
    writeState(root, config.id, state);
  }
}

export function writeState(root: string, id: string, state: ContainerState): void {
  if (state.status !== 'exited') markForSweep(root, id);
  writeAtomic(join(containerDir(root, id), 'state.json'), JSON.stringify(state, null, 2));
}

/** a container by full id, unique id prefix, or name */
export function findContainer(root: string, ref: string): ContainerConfig {
  const all = listContainers(root);
  const hit =
    all.find((c) => c.id === ref) ??
    all.find((c) => c.name === ref) ??
    (() => {
      const byPrefix = ref.length >= 1 && /^[0-9a-f]+$/.test(ref) ? all.filter((c) => c.id.startsWith(ref)) : [];
      if (byPrefix.length > 1) throw new RuntimeError(`multiple containers match "${ref}": ${byPrefix.map((c) => shortId(c.id)).join(', ')}`);
      return byPrefix[0];
    })();
  if (!hit) throw new RuntimeError(`No such container: ${ref}`, 'notFound');
  return hit;
}

/** mount points at or under dir, as this mount namespace sees them */
function mountsUnder(dir: string): string[] {
  return mountinfo()
    .map((m) => m.mountPoint)
    .filter((m) => m === dir || m.startsWith(dir + '/'));
}

/** delete a container's folder; never through a mount (it could be a volume with host data) */
export function removeContainerDir(root: string, id: string): void {
  const dir = containerDir(root, id);
  const mounted = mountsUnder(dir);
  if (mounted.length) throw new RuntimeError(`refusing to delete ${dir}: still mounted: ${mounted.join(', ')}`);
  rmSync(dir, { recursive: true, force: true });
  unmarkForSweep(root, id);
}
