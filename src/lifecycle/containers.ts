// chapter: 05-lifecycle step 5.1
// A container as the lifecycle commands see it: its config and its state, read
// under the store's lock after the sweep, so what they show is true (a record whose
// owner — CLI or monitor — is gone has been set right).
const { existsSync, readFileSync } = process.getBuiltinModule('node:fs');
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import type { ContainerState } from '../container/state.js';
import { alive, withStore } from '../container/sweep.js';
import { containerDir, findContainer, listContainers } from '../container/store.js';

export type Config = ReturnType<typeof listContainers>[number];

export interface Container {
  config: Config;
  state: ContainerState;
}

export function readState(root: string, id: string): ContainerState {
  return JSON.parse(readFileSync(join(containerDir(root, id), 'state.json'), 'utf8'));
}

/** one container by id, unique id prefix or name */
export function getContainer(root: string, ref: string): Container {
  return withStore(root, () => {
    const config = findContainer(root, ref);
    return { config, state: readState(root, config.id) };
  });
}

export function allContainers(root: string): Container[] {
  return withStore(root, () =>
    listContainers(root).flatMap((config) => {
      try {
        return [{ config, state: readState(root, config.id) }];
      } catch {
        return []; // removed meanwhile
      }
    }),
  );
}

/** is the container's PID 1 running (checked against the live process, not only the record)? */
export const isRunning = (s: ContainerState) => s.status === 'running' && alive(s.pid, s.pidStart);

/** the container's record again, until test says yes (or timeoutMs): undefined if it is gone */
export async function waitState(root: string, id: string, test: (s: ContainerState) => boolean, timeoutMs: number): Promise<ContainerState | undefined> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    let state: ContainerState | undefined;
    try {
      state = withStore(root, () => (existsSync(containerDir(root, id)) ? readState(root, id) : undefined));
    } catch {
      state = undefined;
    }
    if (!state || test(state) || Date.now() > end) return state;
    await sleep(50);
  }
}
