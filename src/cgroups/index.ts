// chapter: 02-cgroups step 2.1
// One interface, two drivers. A container's cgroup is `<parent>/<id>` in every
// hierarchy that matters: made and filled with limits before the init is told to
// go, joined by the init itself right before execve, removed when `run` ends.
const { statfsSync } = process.getBuiltinModule('node:fs');
import { RuntimeError } from '../errors.js';
import { log } from '../log.js';
import { read, type Cgroup } from './fs.js';
import type { Resources } from './limits.js';
import { createV1, v1Hierarchies } from './v1.js';
import { createV2 } from './v2.js';

export type { Cgroup };

/** unified: cgroup v2 only; hybrid: v1 controllers beside an empty v2 tree; legacy: v1 only */
type CgroupMode = 'unified' | 'hybrid' | 'legacy';

const CGROUP2_SUPER_MAGIC = 0x63677270;

export function cgroupMode(base = '/sys/fs/cgroup'): CgroupMode {
  const isV2 = (dir: string) => {
    try {
      return statfsSync(dir).type === CGROUP2_SUPER_MAGIC;
    } catch {
      return false;
    }
  };
  if (isV2(base)) return 'unified';
  return isV2(`${base}/unified`) ? 'hybrid' : 'legacy';
}

/** each limit's controller, and the flag that asks for it */
const NEEDS: [keyof Resources, string, string][] = [
  ['memory', 'memory', '--memory'],
  ['memorySwap', 'memory', '--memory-swap'],
  ['cpus', 'cpu', '--cpus'],
  ['cpuShares', 'cpu', '--cpu-shares'],
  ['cpusetCpus', 'cpuset', '--cpuset-cpus'],
  ['cpusetMems', 'cpuset', '--cpuset-mems'],
  ['pidsLimit', 'pids', '--pids-limit'],
];

/**
 * A machine (or a mount namespace) may show no cgroup controller at all: say so
 * instead of writing to "undefined/…". A limit whose controller is missing is an
 * error (nothing is made); without limits the container runs, with one warning.
 */
function checkControllers(mode: CgroupMode, r: Resources, base = '/sys/fs/cgroup'): void {
  const available = mode === 'unified' ? read(base, 'cgroup.controllers').split(' ').filter(Boolean) : [...v1Hierarchies().keys()];
  for (const [key, controller, flag] of NEEDS) {
    if (r[key] !== undefined && !available.includes(controller))
      throw new RuntimeError(`cannot apply ${flag}: no ${controller} cgroup controller is mounted under ${base} (cgroup ${mode === 'unified' ? 'v2' : 'v1'})`);
  }
  if (!available.length) log.warn(`no cgroup controller is mounted under ${base}: the container runs without resource limits or accounting`);
}

/** make the container's cgroup and write its limits; on any failure nothing stays behind */
export function createCgroup(path: string, r: Resources, onMake?: (dir: string) => void): Cgroup {
  const mode = cgroupMode();
  log.debug(`cgroups: ${mode} mode, cgroup ${path}`);
  checkControllers(mode, r);
  return mode === 'unified' ? createV2(path, r, undefined, onMake) : createV1(path, r, onMake);
}
