// chapter: 08-oci
// Inside the container's mount namespace (the init, before "go"): the bundle's root
// and the config's mounts, in the config's order, then its devices, pivot_root, the
// sysctls, and chapter 03's masks and read-only paths. Chapter 03 builds its root
// from an image and knows which filesystems a container needs; here the config says
// it all: the rootfs step of chapter 03 hands over to this when the spec has `oci`.
const { chownSync, chmodSync, existsSync, mkdirSync, rmSync, statSync, symlinkSync, writeFileSync } = process.getBuiltinModule('node:fs');
import { dirname, join } from 'node:path';
import { MS_BIND, MS_RDONLY, MS_REC, MS_REMOUNT, MS_PRIVATE, native } from '../native.js';
import { mask, pivot, readonly } from '../rootfs/setup.js';
import { secureJoin } from '../secure-join.js';
import { mountCgroupfs, type CgroupfsSpec } from '../security/cgroupfs.js';
import type { InitStep } from '../container/step.js';
import type { InitMount, OciInitSpec } from './config.js';
import { createContainerHooks } from './container-hooks.js';
import { ociNative } from './oci-syscalls.js';

declare module './config.js' {
  interface OciInitSpec {
    /** the container's cgroup folders, for a mount of type "cgroup" (chapter 04's read-only view) */
    cgroupfs?: CgroupfsSpec;
  }
}

const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;

export const ociRootfs: InitStep = {
  name: 'oci rootfs',
  setup: (spec) => void (spec.oci && setupOciRootfs(spec.oci)),
};

function setupOciRootfs(o: OciInitSpec): void {
  const root = o.root;
  native.mount(root, root, null, MS_BIND | MS_REC, null); // a mount point of its own, for pivot_root
  for (const m of o.mounts) mountOne(root, m, o);
  const dev = o.mounts.some((m) => m.destination === '/dev' && m.type !== 'bind');
  if (dev) defaultDevices(root, o.userNamespace); // a fresh /dev: the spec's default devices and links
  for (const d of o.devices) makeDevice(root, d, o.userNamespace);
  createContainerHooks(o.hooks, root); // after createRuntime (create ran it), before pivot_root
  if (o.newNamespaces.includes('mount')) pivot(root);
  else {
    // the runtime's mount namespace, or a joined one: pivot_root would move the root of
    // every process there that shares ours. chroot moves only us (runc does pivot_root)
    process.chdir(root);
    ociNative.chroot('.');
    process.chdir('/');
  }
  for (const [key, value] of o.sysctl) writeFileSync(`/proc/sys/${key.replace(/\./g, '/')}`, value);
  for (const p of o.maskedPaths) mask('/', p);
  for (const p of o.readonlyPaths) readonly('/', p);
  if (o.readonly) native.mount(null, '/', null, MS_BIND | MS_REMOUNT | MS_RDONLY, null);
  if (o.rootPropagation !== (MS_REC | MS_PRIVATE)) native.mount(null, '/', null, o.rootPropagation, null);
}

function mountOne(root: string, m: InitMount, o: OciInitSpec): void {
  const target = secureJoin(root, m.destination);
  try {
    if (m.type === 'cgroup') {
      mkdirSync(target, { recursive: true });
      if (o.cgroupfs) mountCgroupfs(root, o.cgroupfs);
    } else if (m.type === 'bind') {
      if (statSync(m.source).isDirectory()) mkdirSync(target, { recursive: true });
      else if (!existsSync(target)) {
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, '');
      }
      native.mount(m.source, target, null, m.flags & (MS_BIND | MS_REC), null);
      // a bind takes its flags only from a remount
      if (m.flags & ~(MS_BIND | MS_REC)) native.mount(null, target, null, m.flags | MS_REMOUNT | MS_BIND, null);
    } else {
      mkdirSync(target, { recursive: true });
      native.mount(m.source, target, m.type, m.flags, m.data || null);
    }
    for (const p of m.propagation) native.mount(null, target, null, p, null);
  } catch (e) {
    throw new Error(`error mounting "${m.source}" to rootfs at "${m.destination}": ${(e as Error).message}`, { cause: e });
  }
}

/** runtime-spec's default devices (config-linux.md#default-devices) and /dev's links */
function defaultDevices(root: string, userns: boolean): void {
  const dev = join(root, 'dev');
  for (const [name, minor] of [['null', 3], ['zero', 5], ['full', 7], ['random', 8], ['urandom', 9]] as const)
    makeDevice(root, { path: `/dev/${name}`, type: 'c', major: 1, minor, fileMode: 0o666, uid: 0, gid: 0 }, userns);
  makeDevice(root, { path: '/dev/tty', type: 'c', major: 5, minor: 0, fileMode: 0o666, uid: 0, gid: 0 }, userns);
  const links: [string, string][] = [['fd', '/proc/self/fd'], ['stdin', '/proc/self/fd/0'], ['stdout', '/proc/self/fd/1'], ['stderr', '/proc/self/fd/2']];
  if (existsSync(join(dev, 'pts/ptmx'))) links.push(['ptmx', 'pts/ptmx']);
  if (existsSync('/proc/kcore')) links.push(['core', '/proc/kcore']);
  for (const [name, target] of links) if (!existsSync(join(dev, name))) symlinkSync(target, join(dev, name));
}

function makeDevice(root: string, d: Required<OciInitSpec['devices'][number]>, userns: boolean): void {
  const path = secureJoin(root, d.path);
  mkdirSync(dirname(path), { recursive: true });
  rmSync(path, { force: true });
  if (userns) {
    // mknod is the host root's alone: in a user namespace the node is a bind mount of the
    // host's own (runc's way), its mode and owner the host's
    writeFileSync(path, '');
    native.mount(d.path, path, null, MS_BIND, null);
    return;
  }
  const kind = d.type === 'b' ? S_IFBLK : d.type === 'p' ? S_IFIFO : S_IFCHR;
  native.mknod(path, kind | (d.fileMode & 0o7777), d.major, d.minor);
  chmodSync(path, d.fileMode & 0o7777); // mknod's mode passes through our umask
  chownSync(path, d.uid, d.gid);
}
