// chapter: 02-cgroups
// The few file operations both drivers share: every write names its file when it
// fails, and removal waits for the kernel to let go of the last task.
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { RuntimeError } from '../errors.js';
import { setTimeout as sleep } from 'node:timers/promises';

export function write(dir: string, file: string, value: string | number): void {
  try {
    writeFileSync(`${dir}/${file}`, String(value));
  } catch (e) {
    throw new RuntimeError(`cgroups: cannot write "${value}" to ${dir}/${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
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

/** mkdir each level under base, calling onLevel for each; the leaf must be new */
export function makeDirs(base: string, path: string, onLevel: (dir: string, parent: string) => void): void {
  let dir = base;
  for (const part of path.split('/')) {
    const parent = dir;
    dir = `${dir}/${part}`;
    try {
      mkdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || dir === `${base}/${path}`)
        throw new RuntimeError(`cgroups: cannot create ${dir}: ${(e as NodeJS.ErrnoException).code}`);
    }
    onLevel(dir, parent);
  }
}

/** rmdir a cgroup; the last task may take a moment to leave after the container's PID 1 exits */
export async function removeDir(dir: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      rmdirSync(dir);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || i >= 50) throw new RuntimeError(`cgroups: cannot remove ${dir}: ${code}`);
      await sleep(20);
    }
  }
}

/** a failed start: the cgroups never held a task, so they go at once (best effort) */
export function removeNow(dirs: string[]): void {
  for (const dir of [...dirs].reverse()) {
    try {
      rmdirSync(dir);
    } catch {
      // already gone
    }
  }
}
