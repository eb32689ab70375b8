// chapter: 03-rootfs step 3.1
// The crash sweep. A record says "created" or "running", but the process that was
// to run it is gone (its CLI was killed; the kernel killed the container with it,
// see parentDeathSignal): the record is set right, what was made for it is removed,
// and a --rm container goes. Runs under the store's lock, before anything reads it.
const { existsSync, mkdirSync, readdirSync, readFileSync } = process.getBuiltinModule('node:fs');
import { join } from 'node:path';
import { log } from '../log.js';
import { processStartTime, type ContainerState } from './state.js';
import type { Reclaim } from './step.js';
import { containerDir, containersDir, markForSweep, removeContainerDir, sweepIndex, unmarkForSweep, withLock, writeState } from './store.js';
// <chapter 05-lifecycle>
import { monitorExit } from './exit.js';
// </chapter 05-lifecycle>

declare module './state.js' {
  interface ContainerState {
    /** the `mydocker run` that owns the container: pid and start time */
    cli?: number;
    cliStart?: string;
    // <chapter 05-lifecycle>
    /** the container outlives a start that did not finish: it was made by `create`, or has been started before */
    keep?: boolean;
    // </chapter 05-lifecycle>
  }
}

/** the steps' reclaim hooks (Step.reclaim), listed by the entry point (src/cli/commands.ts): the sweep knows no feature */
let reclaimers: Reclaim[] = [];

export function reclaimWith(hooks: Reclaim[]): void {
  reclaimers = hooks;
}

/**
 * an ended container: each step gives back what its record says it still holds; the new
 * record (`left`: something could not go yet, the record stays), or undefined when nothing was held
 */
export function reclaim(root: string, id: string, state: ContainerState): { state: ContainerState; left: boolean } | undefined {
  let changed: ContainerState | undefined;
  let left = false;
  for (const hook of reclaimers) {
    const update = hook(root, id, changed ?? state);
    if (!update) continue;
    const { left: kept, ...changes } = update;
    changed = { ...(changed ?? state), ...changes };
    left ||= kept === true;
  }
  return changed && { state: changed, left };
}

/** is this pid, started at that time, still alive? (a reused pid is another process) */
export function alive(pid: number | undefined, start: string | undefined): boolean {
  return pid !== undefined && start !== undefined && processStartTime(pid) === start;
}

/** run fn with the store locked and swept: what it reads is true */
export function withStore<T>(root: string, fn: () => T): T {
  return withLock(containersDir(root), () => {
    reconcile(root);
    return fn();
  });
}

/** the containers the sweep visits: those its index names (store.ts, sweepIndex) */
function marked(root: string): string[] {
  const isId = (id: string) => /^[0-9a-f]{64}$/.test(id);
  try {
    return readdirSync(sweepIndex(root)).filter(isId);
  } catch {
    // a store made before the index (or no containers yet): every container, marked once
    let ids: string[];
    try {
      ids = readdirSync(containersDir(root)).filter(isId);
    } catch {
      return []; // no containers yet
    }
    for (const id of ids) markForSweep(root, id);
    mkdirSync(sweepIndex(root), { recursive: true, mode: 0o700 });
    return ids;
  }
}

function reconcile(root: string): void {
  for (const id of marked(root)) {
    const dir = containerDir(root, id);
    let state: ContainerState;
    let autoRemove: boolean;
    try {
      state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
      autoRemove = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).autoRemove === true;
    } catch {
      if (!existsSync(dir)) unmarkForSweep(root, id); // removed (a --rm container's monitor removes its folder itself)
      continue; // half-written by a run that holds no lock yet: its owner finishes it
    }
    // <chapter 05-lifecycle>
    const end = monitorExit(dir, state); // a detached container's monitor wrote down its end
    if (end) writeState(root, id, (state = { ...state, ...end }));
    if (state.status === 'created' && state.cli === undefined) continue; // made by `create`: it waits for `start`
    // </chapter 05-lifecycle>
    // <step 6.4>
    // what an ended container holds (its address, ports and rules) goes back at once, whoever owns it
    const given = state.status === 'exited' ? reclaim(root, id, state) : undefined;
    if (given) writeState(root, id, (state = given.state));
    // </step 6.4>
    if (alive(state.cli, state.cliStart)) continue; // its run is still in charge
    const orphan = state.status !== 'exited';
    // a run killed before its command started (no failure written down) never finished making
    // the container: nothing of it stays, not even a "created" record (a run that failed keeps it, as docker's)
    let unfinished = state.status === 'created' && state.error === undefined;
    // <chapter 05-lifecycle>
    unfinished &&= !state.keep; // a start of an existing container: the container stays
    // </chapter 05-lifecycle>
    const remove = autoRemove || unfinished;
    if (state.status === 'running' && alive(state.pid, state.pidStart)) stop(state.pid!, state.pidStart!); // dying with its CLI: make sure
    const reclaimed = reclaim(root, id, state); // what its steps made for it (its cgroups), now that its processes are gone
    if (!orphan && !reclaimed && !remove) {
      unmarkForSweep(root, id); // settled: nothing changes it now but a command that takes the lock
      continue;
    }
    state = reclaimed?.state ?? state;
    if (orphan) log.debug(`sweep: container ${id} lost its mydocker run`);
    if (remove && !reclaimed?.left) {
      removeContainerDir(root, id);
      continue;
    }
    const now = new Date().toISOString();
    const ended: Partial<ContainerState> =
      state.status === 'running'
        ? { status: 'exited', exitCode: 137, finishedAt: now, error: 'killed with its mydocker run' }
        : state.status === 'created'
          ? { error: 'mydocker run was killed before the container started' }
          : {};
    writeState(root, id, { ...state, ...ended });
  }
}

/** SIGKILL a container's PID 1 (checked by start time) and wait up to a second for it to go */
function stop(pid: number, start: string): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return; // already gone
  }
  const wait = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < 100 && alive(pid, start); i++) Atomics.wait(wait, 0, 0, 10);
}
