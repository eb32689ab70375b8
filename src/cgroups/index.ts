// chapter: 02-cgroups
// One interface, two drivers. A container's cgroup is `<parent>/<id>` in every
// hierarchy that matters: made and filled with limits before the init is told to
// go, joined by the init itself right before execve, removed when `run` ends.
const { statfsSync } = process.getBuiltinModule('node:fs');
import { log } from '../log.js';
import type { Cgroup } from './fs.js';
import type { Resources } from './limits.js';
import { createV1 } from './v1.js';
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

/** make the container's cgroup and write its limits; on any failure nothing stays behind */
export function createCgroup(path: string, r: Resources, onMake?: (dir: string) => void): Cgroup {
  const mode = cgroupMode();
  log.debug(`cgroups: ${mode} mode, cgroup ${path}`);
  return mode === 'unified' ? createV2(path, r, undefined, onMake) : createV1(path, r, onMake);
}
