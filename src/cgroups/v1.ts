// chapter: 02-cgroups
// cgroup v1: one hierarchy per controller (or a few controllers mounted together),
// each with its own copy of the container's cgroup. File names as runc writes them.
const { existsSync } = process.getBuiltinModule('node:fs');
import { mountinfo, type MountEntry } from '../mountinfo.js';
import { CgroupDirs, read, readKey, write, type Cgroup } from './fs.js';
import { CPU_PERIOD, type Resources } from './limits.js';

/** the controllers a container is placed in (cpuacct for accounting, the rest for limits) */
const CONTROLLERS = ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids'];

/** controller → its hierarchy's mount point */
export function v1Hierarchies(mounts: MountEntry[] = mountinfo()): Map<string, string> {
  const found = new Map<string, string>();
  for (const m of mounts) {
    if (m.fstype !== 'cgroup') continue;
    for (const opt of m.superOptions) if (CONTROLLERS.includes(opt) && !found.has(opt)) found.set(opt, m.mountPoint);
  }
  return found;
}

export function createV1(path: string, r: Resources, onMake?: (dir: string) => void): Cgroup {
  const hierarchies = v1Hierarchies();
  const dirs = new CgroupDirs(onMake);
  try {
    for (const base of new Set(hierarchies.values())) {
      const isCpuset = hierarchies.get('cpuset') === base;
      dirs.make(base, path, (dir, parent) => {
        // a new cpuset cgroup starts with no CPUs and no memory nodes: a task cannot
        // join it (ENOSPC) until both are copied down from the parent
        if (!isCpuset) return;
        for (const f of ['cpuset.cpus', 'cpuset.mems']) if (read(dir, f) === '') write(dir, f, read(parent, f));
      });
    }
    writeV1Limits(path, r, hierarchies);
    const memory = hierarchies.has('memory') ? `${hierarchies.get('memory')}/${path}` : undefined;
    return {
      made: [...dirs.made],
      procs: dirs.leaves.map((d) => `${d}/cgroup.procs`),
      // <chapter 05-lifecycle>
      oomCounter: memory && `${memory}/memory.oom_control`,
      // </chapter 05-lifecycle>
      // oom_kill in memory.oom_control since Linux 4.13; before that, a hit limit is the best sign
      oomKilled: () => {
        if (!memory) return false;
        const control = read(memory, 'memory.oom_control');
        return /^oom_kill /m.test(control) ? readKey(memory, 'memory.oom_control', 'oom_kill') > 0 : Number(read(memory, 'memory.failcnt')) > 0;
      },
      remove: () => dirs.remove(),
    };
  } catch (e) {
    dirs.removeNow();
    throw e;
  }
}

/** the limits into an existing cgroup (create, and chapter 08's update of a running one) */
export function writeV1Limits(path: string, r: Resources, hierarchies = v1Hierarchies()): void {
  const at = (controller: string) => `${hierarchies.get(controller)}/${path}`;
  if (r.memory !== undefined) {
    const dir = at('memory');
    // memsw exists only with swap accounting; docker's default swap is as much again as -m
    const memsw = existsSync(`${dir}/memory.memsw.limit_in_bytes`) ? (r.memorySwap ?? 2 * r.memory) : undefined;
    // the kernel keeps memory <= memory+swap at every write: a raise goes memsw first
    if (memsw !== undefined && memsw > Number(read(dir, 'memory.memsw.limit_in_bytes'))) write(dir, 'memory.memsw.limit_in_bytes', memsw);
    write(dir, 'memory.limit_in_bytes', r.memory);
    if (memsw !== undefined) write(dir, 'memory.memsw.limit_in_bytes', memsw);
  }
  if (r.cpus !== undefined) {
    write(at('cpu'), 'cpu.cfs_period_us', CPU_PERIOD);
    write(at('cpu'), 'cpu.cfs_quota_us', Math.round(r.cpus * CPU_PERIOD));
  }
  if (r.cpuShares !== undefined) write(at('cpu'), 'cpu.shares', r.cpuShares);
  if (r.cpusetCpus !== undefined) write(at('cpuset'), 'cpuset.cpus', r.cpusetCpus);
  if (r.cpusetMems !== undefined) write(at('cpuset'), 'cpuset.mems', r.cpusetMems);
  if (r.pidsLimit !== undefined) write(at('pids'), 'pids.max', r.pidsLimit);
}
