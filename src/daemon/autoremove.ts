// chapter: 09-daemon
// HostConfig.AutoRemove (`docker run --rm`), done by the daemon as dockerd does it:
// the container's record stays until the daemon has seen it end, told its waiters
// the exit code and let its attached clients read the last output; then it goes.
// (The CLI's --rm has the monitor remove the folder at once: a daemon's client
// that waits for `condition=removed` would find no exit code left.) The marker
// file says so in the store, so a restarted daemon finishes the job.
const { existsSync, writeFileSync } = process.getBuiltinModule('node:fs');
import { join } from 'node:path';
import { containerDir } from '../container/store.js';
import { removeContainers } from '../lifecycle/commands.js';
import { allContainers, getContainer, waitState } from '../lifecycle/containers.js';
import { log } from '../log.js';
import { recordContainer, recordDie } from './events.js';

const marker = (root: string, id: string) => join(containerDir(root, id), 'daemon-autoremove');

/** the exit codes of the containers this daemon removed: a waiter asking after the removal still gets its answer */
export const removedExits = new Map<string, number>();

/** the attach streams open on a container: it stays until they have read its last line */
const readers = new Map<string, Set<Promise<unknown>>>();

export function markAutoRemove(root: string, id: string): void {
  writeFileSync(marker(root, id), '');
}

export const isAutoRemove = (root: string, id: string) => existsSync(marker(root, id));

/** an attach stream: the container is not removed under it */
export function holdWhile(id: string, reading: Promise<unknown>): void {
  const set = readers.get(id) ?? new Set();
  readers.set(id, set.add(reading));
  void reading
    .finally(() => {
      set.delete(reading);
      if (set.size === 0) readers.delete(id);
    })
    .catch(() => {});
}

const watched = new Set<string>();

/** once the container has ended (and its readers are done), remove it */
export async function removeWhenEnded(root: string, id: string): Promise<void> {
  if (watched.has(id)) return;
  watched.add(id);
  try {
    const s = await waitState(root, id, (s) => s.status !== 'running', Infinity); // ended (or its start failed)
    if (!s) return; // removed by someone else
    recordDie(root, id, s);
    removedExits.set(id, s.exitCode ?? 0);
    setTimeout(() => removedExits.delete(id), 60_000).unref(); // a waiter asks within moments, not a minute later
    await Promise.allSettled([...(readers.get(id) ?? [])]);
    let c;
    try {
      c = getContainer(root, id);
    } catch {
      return; // removed by someone else meanwhile
    }
    for await (const o of removeContainers(root, [id], true)) {
      if (o.error) log.warn(`auto-remove ${id}: ${o.error.message}`);
      else recordContainer(root, 'destroy', c);
    }
  } finally {
    watched.delete(id);
  }
}

/** a daemon starting: what an earlier one left to remove, removed or watched again (docker v0.1.0's restore) */
export function restoreAutoRemove(root: string): void {
  for (const c of allContainers(root)) {
    if (isAutoRemove(root, c.config.id) && c.state.status !== 'created') void removeWhenEnded(root, c.config.id);
  }
}
