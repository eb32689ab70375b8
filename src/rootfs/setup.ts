// chapter: 03-rootfs step 3.1
// Inside the container's mount namespace (the init, before exec): stack the image's
// layers with overlay, give the container its own /proc, /sys, /dev, bind its volumes,
// hide what it must not see, then pivot_root into it and drop the host's root.
// Everything is mounted in the container's namespace only: nothing shows on the host,
// and it all goes away with the namespace's last process.
const { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } = process.getBuiltinModule('node:fs');
// <step 3.2>
const { symlinkSync } = process.getBuiltinModule('node:fs');
// </step 3.2>
import { join, relative } from 'node:path';
import { procMountError } from './proc-mounts.js';
import {
  MNT_DETACH,
  MS_BIND,
  MS_NODEV,
  MS_NOEXEC,
  MS_NOSUID,
  MS_RDONLY,
  MS_REC,
  MS_REMOUNT,
  MS_STRICTATIME,
  native,
} from '../native.js';
import { procfs } from '../container/namespaces.js';
import type { InitStep } from '../container/step.js';
import { secureJoin } from '../secure-join.js';
import type { MountSpec, RootfsSpec } from './spec.js';
// <step 4.4>
import { mountCgroupfs } from '../security/cgroupfs.js';
// </step 4.4>

const S_IFCHR = 0o020000;

export const rootfsInit: InitStep = {
  name: 'rootfs',
  setup(spec) {
    // <chapter 08-oci>
    if (spec.oci) return; // an OCI bundle: its config says what to mount (src/oci/rootfs.ts did)
    // </chapter 08-oci>
    if (!spec.rootfs) return procfs.setup!(spec); // chapter 01's way: the host's files
    setupRootfs(spec.rootfs);
    makeWorkdir(spec.cwd); // docker creates a missing WORKDIR
  },
};

function setupRootfs(r: RootfsSpec): void {
  const root = r.target;
  const data = `lowerdir=${r.lower.join(':')},upperdir=${r.upper},workdir=${r.work}`;
  native.mount('overlay', root, 'overlay', 0, data);
  mountTo(root, '/proc', 'proc', MS_NOSUID | MS_NODEV | MS_NOEXEC);
  mountTo(root, '/sys', 'sysfs', MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY);
  // <step 4.4>
  if (r.cgroupfs) mountCgroupfs(root, r.cgroupfs);
  // </step 4.4>
  setupDev(root);
  for (const m of r.mounts) bindMount(root, m);
  for (const p of r.maskedPaths) mask(root, p);
  for (const p of r.readonlyPaths) readonly(root, p);
  pivot(root);
}

function mountTo(root: string, path: string, fstype: string, flags: number, data: string | null = null): string {
  const target = secureJoin(root, path);
  mkdirSync(target, { recursive: true });
  native.mount(fstype, target, fstype, flags, data);
  return target;
}

/** a fresh /dev: a tmpfs with only the devices a container needs, and its own ptys */
function setupDev(root: string): void {
  const dev = mountTo(root, '/dev', 'tmpfs', MS_NOSUID | MS_STRICTATIME, 'mode=755,size=65536k');
  const devices: [string, number, number][] = [
    ['null', 1, 3],
    ['zero', 1, 5],
    ['full', 1, 7],
    ['random', 1, 8],
    ['urandom', 1, 9],
    ['tty', 5, 0],
  ];
  for (const [name, major, minor] of devices) {
    native.mknod(join(dev, name), S_IFCHR | 0o666, major, minor);
    chmodSync(join(dev, name), 0o666); // mknod's mode passes through our umask
  }
  // <step 3.2>
  // a new devpts instance: the container's terminals are its own, /dev/ptmx leads there
  mountTo(root, '/dev/pts', 'devpts', MS_NOSUID | MS_NOEXEC, 'newinstance,ptmxmode=0666,mode=0620,gid=5');
  symlinkSync('pts/ptmx', join(dev, 'ptmx'));
  mountTo(root, '/dev/shm', 'tmpfs', MS_NOSUID | MS_NODEV | MS_NOEXEC, 'mode=1777,size=65536k');
  mountTo(root, '/dev/mqueue', 'mqueue', MS_NOSUID | MS_NODEV | MS_NOEXEC);
  for (const [name, target] of [
    ['fd', '/proc/self/fd'],
    ['stdin', '/proc/self/fd/0'],
    ['stdout', '/proc/self/fd/1'],
    ['stderr', '/proc/self/fd/2'],
    ['core', '/proc/kcore'],
  ])
    symlinkSync(target, join(dev, name));
  // </step 3.2>
}

/** a volume: a host path bound into the container (read-only with :ro) */
function bindMount(root: string, m: MountSpec): void {
  const target = secureJoin(root, m.target);
  // the same rule as the CLI's, on the path the image's symlinks really lead to
  const proc = procMountError(`/${relative(root, target)}`);
  if (proc) throw new Error(`error mounting "${m.source}" to rootfs at "${m.target}": ${proc}`);
  try {
    const dir = statSync(m.source).isDirectory();
    if (dir) {
      mkdirSync(target, { recursive: true });
      if (!statSync(target).isDirectory()) throw Object.assign(new Error(), { code: 'ENOTDIR' });
    } else if (!existsSync(target)) {
      mkdirSync(join(target, '..'), { recursive: true });
      writeFileSync(target, '');
    } else if (statSync(target).isDirectory()) throw Object.assign(new Error(), { code: 'EISDIR' });
    native.mount(m.source, target, null, MS_BIND | MS_REC, null);
    if (m.readonly) native.mount(null, target, null, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC, null);
  } catch (e) {
    // one line, in the container's terms: never the path of its root on the host
    const code = (e as NodeJS.ErrnoException).code ?? '';
    const why = code === 'EEXIST' ? 'not a directory' : (ERRNO_TEXT[code] ?? ((e as Error).message.split(root).join('') || code));
    throw new Error(`error mounting "${m.source}" to rootfs at "${m.target}": ${why}`);
  }
}

/** hide a path: an empty read-only tmpfs over a directory, /dev/null over a file */
function mask(root: string, path: string): void {
  const target = secureJoin(root, path);
  let st;
  try {
    st = statSync(target);
  } catch {
    return; // not on this kernel
  }
  if (st.isDirectory()) native.mount('tmpfs', target, 'tmpfs', MS_RDONLY, null);
  else native.mount(join(root, 'dev/null'), target, null, MS_BIND, null); // the container's own /dev/null
}

/** a read-only view of a path: bind it onto itself, then remount the bind read-only */
function readonly(root: string, path: string): void {
  const target = secureJoin(root, path);
  if (!existsSync(target)) return;
  native.mount(target, target, null, MS_BIND | MS_REC, null);
  native.mount(null, target, null, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, null);
}

/**
 * docker creates a missing working directory: one mkdir a level, inside the new root
 * (after pivot_root). Not a recursive mkdir: in procfs mkdir fails with ENOENT, which
 * makes a recursive one retry its parent for ever.
 */
function makeWorkdir(cwd: string): void {
  let at = '';
  for (const part of cwd.split('/').filter((p) => p && p !== '.')) {
    at = part === '..' ? at.slice(0, at.lastIndexOf('/')) : `${at}/${part}`;
    let st;
    try {
      st = statSync(at);
    } catch {
      try {
        mkdirSync(at, 0o755);
        continue;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? '';
        throw new Error(`Cannot mkdir: ${cwd}: ${ERRNO_TEXT[code] ?? code}`);
      }
    }
    if (!st.isDirectory()) throw new Error(`Cannot mkdir: ${cwd} is not a directory`);
  }
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EROFS: 'read-only file system',
  EPERM: 'operation not permitted',
  EACCES: 'permission denied',
  ENOTDIR: 'not a directory',
  ENOSPC: 'no space left on device',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many levels of symbolic links',
  EISDIR: 'is a directory',
  EEXIST: 'file exists',
};

/**
 * pivot_root, not chroot: the old root moves under the new one and is then
 * detached, so no path (not even /proc/1/root or "cd /..") leads back to the host.
 */
function pivot(root: string): void {
  process.chdir(root);
  native.pivotRoot('.', '.'); // runc's trick: the old root is stacked on "." …
  native.umount2('.', MNT_DETACH); // … and detached from it right away
  process.chdir('/');
}

// <chapter 08-oci>
export { mask, pivot, readonly }; // an OCI bundle's root is finished the same way (src/oci/rootfs.ts)
// </chapter 08-oci>
