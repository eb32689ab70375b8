// chapter: 09-daemon
// Named volumes (`-v NAME:/path`, chapter 03): a folder under <root>/volumes, made on
// first use. These are the volume commands over them — list, inspect, create, remove,
// prune — returning docker's shapes; a volume a container names is in use, and is
// not removed under it.
const { mkdirSync, readdirSync, rmSync, statSync } = process.getBuiltinModule('node:fs');
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { listContainers } from '../container/store.js';
import { RuntimeError } from '../errors.js';

/** a volume's name, as -v takes one (src/rootfs/prepare.ts) */
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

const volumesDir = (root: string) => join(root, 'volumes');

export interface VolumeInfo {
  Name: string;
  Driver: 'local';
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Scope: 'local';
  Options: Record<string, string>;
}

function info(root: string, name: string): VolumeInfo | undefined {
  const dir = join(volumesDir(root), name);
  try {
    const st = statSync(dir);
    if (!st.isDirectory()) return undefined;
    return { Name: name, Driver: 'local', Mountpoint: dir, CreatedAt: st.birthtime.toISOString(), Labels: {}, Scope: 'local', Options: {} };
  } catch {
    return undefined;
  }
}

/** volume ls */
export function listVolumes(root: string): VolumeInfo[] {
  let names: string[] = [];
  try {
    names = readdirSync(volumesDir(root)).filter((n) => NAME_RE.test(n));
  } catch {
    // no volume made yet
  }
  return names.map((n) => info(root, n)).filter((v): v is VolumeInfo => v !== undefined);
}

/** volume inspect */
export function inspectVolume(root: string, name: string): VolumeInfo {
  const v = NAME_RE.test(name) ? info(root, name) : undefined;
  if (!v) throw new RuntimeError(`get ${name}: no such volume`, 'notFound');
  return v;
}

/** volume create: a new folder (a random name when none is given); one that exists is answered as it is, as docker does */
export function createVolume(root: string, name?: string, driver?: string): VolumeInfo {
  if (driver && driver !== 'local') throw new RuntimeError(`volume driver "${driver}" is not supported: only "local"`, 'usage');
  const n = name || randomBytes(32).toString('hex');
  if (!NAME_RE.test(n)) throw new RuntimeError(`create ${n}: "${n}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed`, 'usage');
  mkdirSync(join(volumesDir(root), n), { recursive: true, mode: 0o755 });
  return info(root, n)!;
}

/** the containers whose -v names the volume */
function users(root: string, name: string): string[] {
  return listContainers(root)
    .filter((c) => (c.volumes ?? []).some((spec) => spec.split(':')[0] === name))
    .map((c) => c.id);
}

/** volume rm: refused while a container names it (force: docker's -f, which still refuses that) */
export function removeVolume(root: string, name: string): void {
  inspectVolume(root, name);
  const using = users(root, name);
  if (using.length) throw new RuntimeError(`remove ${name}: volume is in use - [${using.join(', ')}]`, 'conflict');
  rmSync(join(volumesDir(root), name), { recursive: true, force: true });
}

/** volume prune: every volume no container names; their names and the bytes they held */
export function pruneVolumes(root: string): { VolumesDeleted: string[]; SpaceReclaimed: number } {
  const gone: string[] = [];
  let bytes = 0;
  for (const v of listVolumes(root)) {
    if (users(root, v.Name).length) continue;
    bytes += size(v.Mountpoint);
    rmSync(v.Mountpoint, { recursive: true, force: true });
    gone.push(v.Name);
  }
  return { VolumesDeleted: gone, SpaceReclaimed: bytes };
}

/** the bytes of the files under dir (symlinks not followed) */
function size(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += statSync(join(e.parentPath, e.name)).size;
  }
  return total;
}
