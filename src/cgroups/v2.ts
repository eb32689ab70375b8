// chapter: 02-cgroups step 2.1
// cgroup v2: one unified tree. A controller works in a cgroup only when every
// level above it lists the controller in cgroup.subtree_control. Conversions as runc does them.
// <step 2.2>
const { existsSync } = process.getBuiltinModule('node:fs');
// </step 2.2>
import { CgroupDirs, read, readKey, write, type Cgroup } from './fs.js';
import type { Resources } from './limits.js';
// <step 2.2>
import { CPU_PERIOD } from './limits.js';
// </step 2.2>

// <replaced-by 2.3 from 2.1>
//~ const CONTROLLERS = ['cpu', 'memory', 'pids'];
// </replaced-by 2.3>
// <step 2.3>
const CONTROLLERS = ['cpu', 'cpuset', 'memory', 'pids'];
// </step 2.3>
// <step 2.2>

/** cpu.shares (2..262144, default 1024) onto cpu.weight (1..10000, default 100), as runc maps them */
export function sharesToWeight(shares: number): number {
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** cpu.max: "<quota> <period>" in microseconds, or "max <period>" for no limit */
export function cpuMax(cpus: number | undefined): string {
  return `${cpus === undefined ? 'max' : Math.round(cpus * CPU_PERIOD)} ${CPU_PERIOD}`;
}

/** memory.swap.max holds swap alone: (memory+swap) − memory; docker's default swap equals -m */
export function swapMax(memory: number, memorySwap: number | undefined): string | number {
  if (memorySwap === -1) return 'max';
  return memorySwap === undefined ? memory : memorySwap - memory;
}
// </step 2.2>

export function createV2(path: string, r: Resources, base = '/sys/fs/cgroup', onMake?: (dir: string) => void): Cgroup {
  const leaf = `${base}/${path}`;
  const enable = (dir: string) => {
    const available = read(dir, 'cgroup.controllers').split(' ');
    const wanted = CONTROLLERS.filter((c) => available.includes(c));
    if (wanted.length) write(dir, 'cgroup.subtree_control', wanted.map((c) => `+${c}`).join(' '));
  };
  const dirs = new CgroupDirs(onMake);
  try {
    enable(base);
    dirs.make(base, path, (dir) => {
      if (dir !== leaf) enable(dir);
    });
    // <replaced-by 2.2 from 2.1>
    //~ void r; // step 2.2 writes the limits
    // </replaced-by 2.2>
    // <step 2.2>
    writeV2Limits(leaf, r);
    // </step 2.2>
  } catch (e) {
    dirs.removeNow();
    throw e;
  }
  return {
    made: [...dirs.made],
    procs: [`${leaf}/cgroup.procs`],
    // <chapter 05-lifecycle>
    oomCounter: `${leaf}/memory.events`,
    // </chapter 05-lifecycle>
    oomKilled: () => readKey(leaf, 'memory.events', 'oom_kill') > 0,
    remove: () => dirs.remove(),
  };
}
// <step 2.2>

/** the limits into an existing cgroup (create, and chapter 08's update of a running one) */
export function writeV2Limits(leaf: string, r: Resources): void {
  if (r.memory !== undefined) {
    write(leaf, 'memory.max', r.memory);
    if (existsSync(`${leaf}/memory.swap.max`)) write(leaf, 'memory.swap.max', swapMax(r.memory, r.memorySwap));
  }
  if (r.cpus !== undefined) write(leaf, 'cpu.max', cpuMax(r.cpus));
  if (r.cpuShares !== undefined) write(leaf, 'cpu.weight', sharesToWeight(r.cpuShares));
  // </step 2.2>
  // <step 2.3>
  if (r.cpusetCpus !== undefined) write(leaf, 'cpuset.cpus', r.cpusetCpus);
  if (r.cpusetMems !== undefined) write(leaf, 'cpuset.mems', r.cpusetMems);
  // </step 2.3>
  // <step 2.2>
  if (r.pidsLimit !== undefined) write(leaf, 'pids.max', r.pidsLimit);
}
// </step 2.2>
