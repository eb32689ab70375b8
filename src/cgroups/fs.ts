// chapter: 02-cgroups step 2.1
// The few file operations both drivers share: every write names its file when it
// fails, and removal waits for the kernel to let go of the last task.
const { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } = process.getBuiltinModule('node:fs');
import { RuntimeError } from '../errors.js';
// <step 3.1>
import type { Reclaim } from '../container/step.js';
import { alive } from '../container/sweep.js';
// </step 3.1>

export function write(dir: string, file: string, value: string | number): void {
  try {
    writeFileSync(`${dir}/${file}`, String(value));
  } catch (e) {
    throw new RuntimeError(`cgroups: cannot write "${value}" to ${dir}/${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'runtime', { cause: e });
  }
}

export function read(dir: string, file: string): string {
  try {
    return readFileSync(`${dir}/${file}`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** `key value` lines (memory.events, memory.oom_control) → the value of key */
export function readKey(dir: string, file: string, key: string): number {
  const line = read(dir, file).split('\n').find((l) => l.startsWith(`${key} `));
  return line ? Number(line.slice(key.length + 1)) : 0;
}

/** one container's cgroup, whatever the driver */
export interface Cgroup {
  /** every directory made for it, parents before children: what a crash sweep removes */
  made: string[];
  /** cgroup.procs files: writing "0" into each moves the writer into the container's cgroup */
  procs: string[];
  /** did the kernel's OOM killer kill a process of this cgroup? */
  oomKilled(): boolean;
  // <chapter 05-lifecycle>
  /** the file whose `oom_kill N` line counts those kills (memory.oom_control on v1, memory.events on v2): chapter 05's monitor reads it before it removes the cgroup */
  oomCounter?: string;
  // </chapter 05-lifecycle>
  /** remove the directories; the container's processes must be gone */
  remove(): Promise<void>;
}

/**
 * The directories of one container's cgroup, in every hierarchy: its leaves, and
 * the parent levels this run had to make. Removal takes back exactly those; a parent
 * that already existed (docker's habit is to keep /docker) or still holds another
 * container's cgroup stays.
 */
export class CgroupDirs {
  readonly leaves: string[] = [];
  readonly made: string[] = [];

  /** onMake hears of each directory before it is made: a CLI killed right after the mkdir has written it down */
  constructor(private readonly onMake?: (dir: string) => void) {}

  /** mkdir each level of path under base, calling onLevel for each; the leaf must be new */
  make(base: string, path: string, onLevel: (dir: string, parent: string) => void): void {
    const leaf = `${base}/${path}`;
    for (let attempt = 1; ; attempt++) {
      try {
        this.walk(base, path, leaf, onLevel);
        return;
      } catch (e) {
        // ENOENT: another run's teardown removed a parent we found a moment ago: walk again
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 3) throw errorOf(e, leaf);
      }
    }
  }

  private walk(base: string, path: string, leaf: string, onLevel: (dir: string, parent: string) => void): void {
    let dir = base;
    for (const part of path.split('/')) {
      const parent = dir;
      dir = `${dir}/${part}`;
      try {
        if (!existsSync(dir)) this.onMake?.(dir);
        mkdirSync(dir);
        this.made.push(dir);
        if (dir === leaf) this.leaves.push(dir);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || dir === leaf) throw e;
      }
      onLevel(dir, parent);
    }
  }

  /** a failed start: nothing ever joined, so everything goes at once (best effort) */
  removeNow(): void {
    for (const dir of this.made.splice(0).reverse()) {
      try {
        rmdirSync(dir);
      } catch {
        // already gone, or another container's parent now
      }
    }
  }

  /** after the container: each leaf once its last task has left, then the parents we made if empty */
  async remove(): Promise<void> {
    for (const dir of this.leaves) await removeDir(dir);
    for (const dir of this.made.splice(0).reverse()) {
      if (this.leaves.includes(dir)) continue;
      try {
        rmdirSync(dir);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'EBUSY' && code !== 'ENOTEMPTY') throw new RuntimeError(`cgroups: cannot remove ${dir}: ${code}`);
      }
    }
  }
}

function errorOf(e: unknown, leaf: string): Error {
  if (e instanceof RuntimeError) return e;
  return new RuntimeError(`cgroups: cannot create ${leaf}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'runtime', { cause: e });
}

/** rmdir a cgroup; the last task may take a moment to leave after the container's PID 1 exits (tries × 20 ms) */
export async function removeDir(dir: string, tries = 50): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      rmdirSync(dir);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || i >= tries) throw new RuntimeError(`cgroups: cannot remove ${dir}: ${code}`);
      await new Promise((wake) => setTimeout(wake, 20));
    }
  }
}
// <step 3.1>

/** the cgroups step's reclaim (Step.reclaim): an ended container's cgroup directories, once its processes are gone */
export const reclaimCgroups: Reclaim = (_root, _id, s) => {
  if (!s.cgroups?.length || alive(s.cli, s.cliStart)) return undefined; // a run still in charge removes its own (after reading the OOM count)
  const left = removeDirs(s.cgroups);
  return { cgroups: left, left: left.length > 0 }; // one still busy stays in the record, and the record with it
};

/** rmdir each (children first); returns those still there */
function removeDirs(dirs: string[]): string[] {
  const left: string[] = [];
  for (const dir of [...dirs].reverse()) {
    try {
      rmdirSync(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // a parent that another container now uses stays, and is not ours to track
      if (code !== 'ENOENT' && code !== 'ENOTEMPTY') left.push(dir);
    }
  }
  return left.reverse();
}
// </step 3.1>
// <chapter 08-oci>

/** rmdir a cgroup if it can go now; one that is gone already, or a parent another container still uses, is left */
export function removeDirQuietly(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // gone, or busy
  }
}
// </chapter 08-oci>
