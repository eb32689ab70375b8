// chapter: 04-security step 4.4
// /sys/fs/cgroup inside the container: its own cgroups only, read-only, as docker
// shows them. On cgroup v1 a read-only tmpfs holds one read-only bind mount per
// hierarchy (memory/, pids/, cpu,cpuacct/ with cpu and cpuacct as symlinks, …); on
// cgroup v2 the container's cgroup is bound read-only onto /sys/fs/cgroup itself.
//
// Why bind mounts of the host's cgroup folders rather than fresh cgroup mounts made
// inside the container's cgroup namespace (which is what runc does on v2): a fresh
// mount shows the cgroup namespace's root, and that root is the cgroup the process
// is in when it unshares. Our init joins its cgroups last, right before execve (a
// Node init would not fit under -m 6m or --pids-limit 5), and unshares the cgroup
// namespace right after that, so at the time the rootfs is mounted the namespace
// would still be rooted at the CLI's cgroup. The container's cgroup folders exist
// before the init starts, though, so a bind mount of each shows exactly the same
// tree, can be made with the other mounts before "go", and needs no ordering at all.
// The limits cannot be lifted from inside: every file is on a read-only mount (EROFS),
// and a remount or a fresh cgroup mount needs CAP_SYS_ADMIN, which the container
// does not have.
const { mkdirSync, symlinkSync } = process.getBuiltinModule('node:fs');
import { basename, dirname, join } from 'node:path';
import type { Step } from '../container/step.js';
import { mountinfo, type MountEntry } from '../mountinfo.js';
import { MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY, MS_REMOUNT, native } from '../native.js';
import { secureJoin } from '../secure-join.js';

export interface CgroupfsSpec {
  /** cgroup v2 only: the one folder is bound onto /sys/fs/cgroup itself */
  unified: boolean;
  /** a host folder of the container's cgroup, and its name under /sys/fs/cgroup (v1: the hierarchy's) */
  mounts: { source: string; name: string }[];
}

declare module '../rootfs/spec.js' {
  interface RootfsSpec {
    /** the container's own cgroups, shown read-only at /sys/fs/cgroup */
    cgroupfs?: CgroupfsSpec;
  }
}

/** after the rootfs and cgroups steps: the container's cgroup folders join its mounts */
export const cgroupfsStep: Step = {
  name: 'cgroupfs',
  prepare(ctx) {
    if (ctx.spec.rootfs && ctx.cgroup) ctx.spec.rootfs.cgroupfs = containerCgroupfs(ctx.cgroup.procs);
  },
};

const MOUNT_FLAGS = MS_NOSUID | MS_NODEV | MS_NOEXEC;

// ---- the CLI's half: which host folder goes where

/** the container's cgroup folders (from its cgroup.procs files), by hierarchy */
function containerCgroupfs(procs: string[], mounts: MountEntry[] = mountinfo()): CgroupfsSpec {
  const hierarchies = mounts.filter((m) => m.fstype === 'cgroup' || m.fstype === 'cgroup2').map((m) => ({ mountPoint: m.mountPoint, v2: m.fstype === 'cgroup2' }));
  const spec: CgroupfsSpec = { unified: false, mounts: [] };
  for (const file of procs) {
    const dir = dirname(file);
    const h = hierarchies.filter((m) => dir.startsWith(m.mountPoint + '/')).sort((a, b) => b.mountPoint.length - a.mountPoint.length)[0];
    if (!h) continue;
    if (h.v2 && h.mountPoint === '/sys/fs/cgroup') spec.unified = true;
    spec.mounts.push({ source: dir, name: spec.unified ? '' : basename(h.mountPoint) });
  }
  return spec;
}

// <chapter 08-oci>
export { containerCgroupfs }; // OCI: for a config's mount of type "cgroup"
// </chapter 08-oci>

// ---- the init's half: mount them (before pivot_root, while the host's folders are in reach)

export function mountCgroupfs(root: string, c: CgroupfsSpec): void {
  const base = secureJoin(root, '/sys/fs/cgroup');
  if (c.unified) {
    for (const m of c.mounts) bindReadonly(m.source, base);
    return;
  }
  native.mount('tmpfs', base, 'tmpfs', MOUNT_FLAGS, 'mode=755,size=64k');
  for (const m of c.mounts) {
    const target = join(base, m.name);
    mkdirSync(target);
    bindReadonly(m.source, target);
    // co-mounted controllers ("cpu,cpuacct") are reachable under each name, as on the host
    const names = m.name.split(',');
    if (names.length > 1) for (const n of names) symlinkSync(m.name, join(base, n));
  }
  native.mount(null, base, null, MS_REMOUNT | MS_RDONLY | MOUNT_FLAGS, 'mode=755,size=64k');
}

function bindReadonly(source: string, target: string): void {
  native.mount(source, target, null, MS_BIND, null);
  native.mount(null, target, null, MS_BIND | MS_REMOUNT | MS_RDONLY | MOUNT_FLAGS, null);
}
