// chapter: 08-oci
// A container of the OCI runtime: a folder under --root (runc's layout), holding
// state.json (what create made: pid, cgroups, bundle, hooks) and exec.fifo while the
// init waits for `start`. The status is never stored: it is read off the process and
// the FIFO each time (runtime.md#state), so a container that died says "stopped"
// whoever noticed.
const { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } = process.getBuiltinModule('node:fs');
import { dirname, join, resolve } from 'node:path';
import { removeDir, removeDirQuietly } from '../cgroups/fs.js';
import { RuntimeError } from '../errors.js';
import { processStartTime } from '../container/state.js';
import { freezerOf, isFrozen } from './freezer.js';
import type { OciHook, OciState } from './spec.js';

export const OCI_VERSION = '1.0.2';

/** what create writes down for the later commands */
export interface OciRecord {
  id: string;
  bundle: string;
  pid: number;
  /** the pid's start time: a reused pid is not our container */
  pidStart: string;
  created: string;
  annotations: Record<string, string>;
  /** cgroup folders made for it, parents first */
  cgroups: string[];
  /** the cgroup.procs files the container's processes are in */
  procs: string[];
  poststart: OciHook[];
  poststop: OciHook[];
  /** startContainer hooks run in the init at `start`: start waits on hook.fifo for their outcome */
  startHooks?: boolean;
  /** the cgroup, relative to each hierarchy's root (update writes there) */
  cgroupsPath?: string;
}

export class OciContainer {
  constructor(
    readonly root: string,
    readonly id: string,
  ) {}

  get dir(): string {
    return join(this.root, this.id);
  }
  get fifo(): string {
    return join(this.dir, 'exec.fifo');
  }
  get hookFifo(): string {
    return join(this.dir, 'hook.fifo');
  }

  exists(): boolean {
    return existsSync(join(this.dir, 'state.json'));
  }

  /** a new folder: refused if the id is taken (mkdir is the lock) */
  make(): void {
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    try {
      mkdirSync(this.dir, { mode: 0o711 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new RuntimeError(`container with id exists: ${this.id}`, 'conflict', { cause: e });
      throw e;
    }
  }

  read(): OciRecord {
    try {
      return JSON.parse(readFileSync(join(this.dir, 'state.json'), 'utf8'));
    } catch {
      throw new RuntimeError(`container does not exist`, 'notFound');
    }
  }

  write(r: OciRecord): void {
    const tmp = join(this.dir, 'state.json.tmp');
    writeFileSync(tmp, JSON.stringify(r));
    renameSync(tmp, join(this.dir, 'state.json'));
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** creating: create has not started the init yet; created: the init waits on exec.fifo; running: it went on; paused: frozen; stopped: it is gone (a zombie too) */
export function status(c: OciContainer, r: OciRecord): OciState['status'] {
  if (r.pid === 0) return existsSync(c.fifo) ? 'creating' : 'stopped';
  if (!alive(r)) return 'stopped';
  const freezer = freezerOf(r.procs);
  if (freezer && isFrozen(freezer)) return 'paused'; // runc's status for a frozen container
  return existsSync(c.fifo) ? 'created' : 'running';
}

type Status = OciState['status'];
type Operation = 'start' | 'kill' | 'pause' | 'resume' | 'exec' | 'update' | 'delete';

/** what each state allows, and where it leads (runtime.md#lifecycle, runc's state_linux.go):
 *  the commands ask this one table; a forced delete may end any state */
const operations: Record<Status, Partial<Record<Operation, Status | 'deleted'>>> = {
  creating: { update: 'creating' }, // create is at work; a create that fails removes the folder
  created: { start: 'running', kill: 'stopped', pause: 'paused', update: 'created' },
  running: { kill: 'stopped', pause: 'paused', exec: 'running', update: 'running' }, // or its command ends: stopped
  paused: { kill: 'stopped', resume: 'running', update: 'paused' },
  stopped: { delete: 'deleted' },
};

/** may this operation act on a container in state s? */
export const may = (s: Status, op: Operation): boolean => op in operations[s];

export function alive(r: OciRecord): boolean {
  return processStartTime(r.pid) === r.pidStart;
}

export function ociState(c: OciContainer, r: OciRecord): OciState {
  const s = status(c, r);
  return { ociVersion: OCI_VERSION, id: r.id, status: s, pid: s === 'stopped' ? 0 : r.pid, bundle: r.bundle, annotations: r.annotations };
}

/** the pids in the container's cgroups (its init and everything it started) */
export function containerPids(r: OciRecord): number[] {
  const pids = new Set<number>();
  for (const file of r.procs) {
    try {
      for (const line of readFileSync(file, 'utf8').split('\n')) if (line) pids.add(Number(line));
    } catch {
      // removed already
    }
  }
  return [...pids];
}

/** rmdir the cgroup folders, children first; the container's own are retried while busy, a parent others use stays */
export async function removeCgroups(r: OciRecord): Promise<void> {
  const leaves = new Set(r.procs.map((f) => dirname(f)));
  for (const dir of [...r.cgroups].reverse()) {
    // the last processes leave their cgroup a moment after the init is reaped (longer on a loaded machine: up to 10 s)
    if (leaves.has(dir)) await removeDir(dir, 500);
    else removeDirQuietly(dir); // a parent another container may be in
  }
}

/** written atomically: containerd reads it the moment create (or exec) returns */
export function writePidFile(file: string, pid: number): void {
  const path = resolve(file);
  const tmp = join(path, '..', `.${path.split('/').pop()}.tmp`);
  writeFileSync(tmp, String(pid));
  renameSync(tmp, path);
}
