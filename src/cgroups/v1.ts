// chapter: 02-cgroups step 2.1
// cgroup v1: one hierarchy per controller (or a few controllers mounted together),
// each with its own copy of the container's cgroup. File names as runc writes them.
// <step 2.2>
const { existsSync } = process.getBuiltinModule('node:fs');
// </step 2.2>
import { mountinfo, type MountEntry } from '../mountinfo.js';
import { CgroupDirs, read, readKey, type Cgroup } from './fs.js';
import type { Resources } from './limits.js';
// <step 2.2>
import { write } from './fs.js';
import { CPU_PERIOD } from './limits.js';
// </step 2.2>

/** the controllers a container is placed in (cpuacct for accounting, the rest for limits) */
// <replaced-by 2.3 from 2.1>
//~ const CONTROLLERS = ['cpu', 'cpuacct', 'memory', 'pids'];
// </replaced-by 2.3>
// <step 2.3>
const CONTROLLERS = ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids'];
// </step 2.3>

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
      // <replaced-by 2.3 from 2.1>
      //~ dirs.make(base, path, () => {});
      // </replaced-by 2.3>
      // <step 2.3>
      const isCpuset = hierarchies.get('cpuset') === base;
      dirs.make(base, path, (dir, parent) => {
        // a new cpuset cgroup starts with no CPUs and no memory nodes: a task cannot
        // join it (ENOSPC) until both are copied down from the parent
        if (!isCpuset) return;
        for (const f of ['cpuset.cpus', 'cpuset.mems']) if (read(dir, f) === '') write(dir, f, read(parent, f));
      });
      // </step 2.3>
    }
    // <replaced-by 2.2 from 2.1>
    //~ void r; // step 2.2 writes the limits
    // </replaced-by 2.2>
    // <step 2.2>
    writeV1Limits(path, r, hierarchies);
    // </step 2.2>
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
// <step 2.2>

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
  // </step 2.2>
  // <step 2.3>
  if (r.cpusetCpus !== undefined) write(at('cpuset'), 'cpuset.cpus', r.cpusetCpus);
  if (r.cpusetMems !== undefined) write(at('cpuset'), 'cpuset.mems', r.cpusetMems);
  // </step 2.3>
  // <step 2.2>
  if (r.pidsLimit !== undefined) write(at('pids'), 'pids.max', r.pidsLimit);
}
// </step 2.2>
