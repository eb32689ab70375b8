// What a container is doing, as one record: pid and its start time, status, exit
// code, and what each step made for it (chapters add fields: cgroup folders, the
// rootfs mount point, …). Everything a later command needs to act on a container
// without its CLI is put here the moment it exists. In chapter 01 the record lives
// in memory only; chapter 03's store writes it to state.json on every change.
const { readFileSync } = process.getBuiltinModule('node:fs');

export type Status = 'created' | 'running' | 'exited';

/** @public (features add their fields with `declare module`) */
export interface ContainerState {
  status: Status;
  pid?: number;
  /** the pid's start time (field 22 of /proc/<pid>/stat): a reused pid is not our container */
  pidStart?: string;
  exitCode?: number;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
}

export class StateRecord {
  private sinks: ((s: ContainerState) => void)[] = [];

  constructor(public current: ContainerState = { status: 'created' }) {}

  /** change some fields; every sink sees the whole new state */
  update(patch: Partial<ContainerState>): void {
    this.current = { ...this.current, ...patch };
    for (const sink of this.sinks) sink(this.current);
  }

  /** from now on, hand every change to sink (it gets the current state at once) */
  persist(sink: (s: ContainerState) => void): void {
    this.sinks.push(sink);
    sink(this.current);
  }
}

/** field 22 of /proc/<pid>/stat: with the pid, it names one process for good; undefined once it has died (a zombie too) */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // a zombie waits for its parent (or whoever inherited it) to reap it: it runs no more
    return fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}
