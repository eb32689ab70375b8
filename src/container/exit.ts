// chapter: 05-lifecycle
// How a detached container ended, as its monitor wrote it down: <dir>/exit.json,
// {exitCode, finishedAt, oomKilled}, written atomically once the init is reaped and its output
// is in the log. The sweep folds it into state.json.
const { readFileSync } = process.getBuiltinModule('node:fs');
import { join } from 'node:path';
import type { ContainerState } from './state.js';

export const exitFile = (dir: string) => join(dir, 'exit.json');

/** the monitor's word on a running container's end, as a state patch; undefined while it runs */
export function monitorExit(dir: string, state: ContainerState): Partial<ContainerState> | undefined {
  if (state.status !== 'running') return undefined;
  try {
    const e = JSON.parse(readFileSync(exitFile(dir), 'utf8')) as { exitCode: number; finishedAt: string; oomKilled?: boolean };
    return { status: 'exited', exitCode: e.exitCode, finishedAt: e.finishedAt, oomKilled: e.oomKilled === true };
  } catch {
    return undefined;
  }
}
