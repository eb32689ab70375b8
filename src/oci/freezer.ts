// chapter: 08-oci
// pause and resume: the cgroup freezer stops every process of the container where it
// stands (no signal it could catch), and lets them go on. cgroup v1 has a hierarchy
// of its own for it (freezer.state: THAWED, FREEZING, FROZEN); cgroup v2 a file in
// the container's cgroup (cgroup.freeze, with "frozen 1" in cgroup.events once done).
// Freezing takes a moment: the command returns once every task is stopped.
const { existsSync, readFileSync, writeFileSync } = process.getBuiltinModule('node:fs');
import { CgroupDirs } from '../cgroups/fs.js';
import { RuntimeError } from '../errors.js';
import { mountinfo } from '../mountinfo.js';

/** create: on cgroup v1 the container gets a freezer cgroup too (chapter 02 does not make one) */
export function makeFreezer(path: string): { made: string[]; procs: string[] } {
  const base = mountinfo().find((m) => m.fstype === 'cgroup' && m.superOptions.includes('freezer'))?.mountPoint;
  if (!base) return { made: [], procs: [] }; // cgroup v2: cgroup.freeze is in the container's own cgroup
  const dirs = new CgroupDirs();
  dirs.make(base, path, () => {});
  return { made: dirs.made, procs: dirs.leaves.map((d) => `${d}/cgroup.procs`) };
}

/** the folder whose freezer controls the container: v1's freezer cgroup, or the v2 cgroup */
export function freezerOf(procs: string[]): string | undefined {
  const dirs = procs.map((f) => f.replace(/\/cgroup\.procs$/, ''));
  return dirs.find((d) => existsSync(`${d}/freezer.state`)) ?? dirs.find((d) => existsSync(`${d}/cgroup.freeze`));
}

const read = (file: string) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

export function isFrozen(dir: string): boolean {
  if (existsSync(`${dir}/freezer.state`)) return read(`${dir}/freezer.state`).trim() === 'FROZEN';
  return /^frozen 1$/m.test(read(`${dir}/cgroup.events`));
}

/** freeze (or thaw) and wait until the kernel says every task is there */
export async function setFrozen(dir: string, frozen: boolean): Promise<void> {
  const v1 = existsSync(`${dir}/freezer.state`);
  for (let i = 0; i < 1000; i++) {
    // v1: FREEZING until every task stopped; writing FROZEN again nudges the stragglers
    if (v1) writeFileSync(`${dir}/freezer.state`, frozen ? 'FROZEN' : 'THAWED');
    else if (i === 0) writeFileSync(`${dir}/cgroup.freeze`, frozen ? '1' : '0');
    if (isFrozen(dir) === frozen) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new RuntimeError(`cannot ${frozen ? 'freeze' : 'thaw'} the container's cgroup ${dir}`);
}
