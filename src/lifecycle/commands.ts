// chapter: 05-lifecycle step 5.1
// ps, rm, inspect and wait: what a container is, read from its record (swept, so
// true), in docker's formats.
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { UsageError } from '../toolkit/args.js';
import { humanDuration, humanSize, printEach, table, type Outcome } from '../toolkit/format.js';
import { shortId } from '../container/id.js';
import type { ContainerState } from '../container/state.js';
import { reclaim, withStore } from '../container/sweep.js';
import { containerDir, findContainer, listContainers, removeContainerDir, writeAtomic } from '../container/store.js';
import { treeSize } from '../image/tree.js';
import { RuntimeError } from '../errors.js';
import { allContainers, getContainer, readState, waitState, type Container } from './containers.js';
import { stopContainer } from './signal.js';
import { can, phaseOf } from './transitions.js';
// <chapter 06-network>
import { portsText } from '../network/ports.js';
// </chapter 06-network>

const ago = (iso: string | undefined) => (iso ? `${humanDuration(Date.now() - Date.parse(iso))} ago` : '');

/** docker's STATUS column (ps's table, and the daemon's GET /containers/json) */
export function statusText(s: ContainerState): string {
  if (s.status === 'running') return `Up ${humanDuration(Date.now() - Date.parse(s.startedAt ?? ''))}`;
  if (s.status === 'exited') return `Exited (${s.exitCode ?? 0}) ${ago(s.finishedAt)}`;
  return 'Created';
}

/** docker's Ellipsis: at most n characters, the last one "…" */
const ellipsis = (s: string, n: number) => ([...s].length > n ? [...s].slice(0, n - 1).join('') + '…' : s);

const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];

/** docker's ps filters: `-f key=value`; values of one key are alternatives, different keys must all match */
function psFilter(filters: string[]): { test: (c: Container) => boolean; status: boolean } {
  const by = new Map<string, string[]>();
  for (const f of filters) {
    const eq = f.indexOf('=');
    if (eq < 1) throw new UsageError('bad format of filter (expected name=value)');
    const [key, value] = [f.slice(0, eq).toLowerCase(), f.slice(eq + 1)];
    if (!['status', 'name', 'id', 'exited'].includes(key)) throw new RuntimeError(`invalid filter '${key}'`, 'usage');
    if (key === 'status' && !STATUSES.includes(value)) throw new RuntimeError(`invalid filter 'status=${value}'`, 'usage');
    if (key === 'exited' && !/^-?\d+$/.test(value)) throw new RuntimeError(`invalid filter 'exited=${value}'`, 'usage');
    by.set(key, [...(by.get(key) ?? []), value]);
  }
  const matches = (re: string, ...texts: string[]) => {
    try {
      return texts.some((t) => new RegExp(re).test(t));
    } catch {
      return texts.includes(re); // not a regular expression: the exact text
    }
  };
  const tests: Record<string, (c: Container, v: string) => boolean> = {
    status: (c, v) => c.state.status === v,
    name: (c, v) => matches(v, c.config.name, `/${c.config.name}`), // docker's names start with "/"
    id: (c, v) => matches(v, c.config.id),
    exited: (c, v) => c.state.status === 'exited' && (c.state.exitCode ?? 0) === Number(v),
  };
  return { test: (c) => [...by].every(([key, values]) => values.some((v) => tests[key](c, v))), status: by.has('status') };
}

/** ps: the containers to show, newest first (the records: the table is the printer's, JSON the daemon's) */
export function psList(root: string, o: { all: boolean; filters: string[] }): Container[] {
  const filter = psFilter(o.filters);
  return allContainers(root)
    .filter((c) => o.all || filter.status || c.state.status === 'running') // a status filter looks at every container, as docker's
    .filter(filter.test)
    .sort((a, b) => b.config.created.localeCompare(a.config.created));
}

/** ps's printer: docker's table, or -q's ids */
function printPs(list: Container[], o: { quiet: boolean; noTrunc: boolean }): void {
  const id = (c: Container) => (o.noTrunc ? c.config.id : shortId(c.config.id));
  if (o.quiet) {
    process.stdout.write(list.map((c) => `${id(c)}\n`).join(''));
    return;
  }
  const rows = list.map((c) => {
    const command = c.config.args.join(' ');
    return [
      id(c),
      c.config.imageRef ?? '',
      JSON.stringify(o.noTrunc ? command : ellipsis(command, 20)),
      ago(c.config.created),
      statusText(c.state),
      // <replaced-by 06-network>
      //~ '',
      // </replaced-by 06-network>
      // <chapter 06-network>
      c.state.status === 'running' ? portsText(c.state.network?.ports ?? []) : '',
      // </chapter 06-network>
      c.config.name,
    ];
  });
  process.stdout.write(table([['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'], ...rows]));
}

export function psCommand(root: string, o: { all: boolean; quiet: boolean; noTrunc: boolean; filters: string[] }): number {
  printPs(psList(root, o), o);
  return 0;
}

/** rm: a running container only with -f (killed first); nothing of it stays. Each ref as it is done, or why not */
export async function* removeContainers(root: string, refs: string[], force: boolean): AsyncGenerator<Outcome> {
  for (const ref of refs) {
    try {
      const c = getContainer(root, ref);
      await removeContainer(root, c.config.id, force);
      yield { ref };
    } catch (e) {
      yield { ref, error: e as Error };
    }
  }
}

export function rmCommand(root: string, refs: string[], force: boolean): Promise<number> {
  return printEach(removeContainers(root, refs, force)); // a line per container: its ref, or its error
}

/**
 * a container's cgroups and folder (record, log, writable layer), once the table says
 * it may go: checked and done under one hold of the lock, so no start slips in between.
 * Starting (its CLI at work) or stopping (its monitor finishing): wait, a bounded time;
 * running: only with -f, killed first.
 */
async function removeContainer(root: string, id: string, force: boolean): Promise<void> {
  const end = Date.now() + 10_000;
  for (;;) {
    const c = withStore(root, () => {
      let state: ContainerState;
      try {
        state = readState(root, id);
      } catch {
        return undefined; // --rm: its monitor removed it already
      }
      if (can(state, 'removed')) {
        reclaim(root, id, state); // what its steps still hold, its cgroups (the sweep gave back an exited one's already)
        removeContainerDir(root, id);
        return undefined;
      }
      const phase = phaseOf(state);
      if (!force && (phase === 'running' || phase === 'starting'))
        throw new RuntimeError(`You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`, 'conflict');
      return { config: findContainer(root, id), state };
    });
    if (!c) return;
    const phase = phaseOf(c.state);
    if (Date.now() > end) throw new RuntimeError(`container ${shortId(id)} ${phase === 'running' ? 'did not stop' : `is still ${phase}`}: try again`);
    if (can(c.state, 'stopping')) await stopContainer(root, c, 0); // rm -f: kill it, its owner writes the end down
    else await sleep(50); // starting or stopping: another command is at work
  }
}

/** rename: the name is checked and changed under the store's lock, so two containers never share one */
export function renameCommand(root: string, ref: string, name: string): number {
  withStore(root, () => {
    const c = findContainer(root, ref);
    if (name === c.name) throw new RuntimeError('Renaming a container with the same name as its current name');
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name)) throw new RuntimeError(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    const clash = listContainers(root).find((o) => o.name === name);
    if (clash)
      throw new RuntimeError(
        `Conflict. The container name "/${name}" is already in use by container "${clash.id}". You have to remove (or rename) that container to be able to reuse that name.`,
        'conflict',
      );
    writeAtomic(join(containerDir(root, c.id), 'config.json'), JSON.stringify({ ...c, name }, null, 2));
  });
  return 0;
}

/** container prune: every container that does not run is removed; their ids, and the bytes of their writable layers */
export async function pruneContainers(root: string): Promise<{ deleted: string[]; space: number }> {
  const stopped = allContainers(root).filter((c) => can(c.state, 'removed'));
  let space = 0;
  const deleted: string[] = [];
  for (const c of stopped) {
    const size = bytesUnder(join(containerDir(root, c.config.id), 'upper'));
    await removeContainer(root, c.config.id, false);
    deleted.push(c.config.id);
    space += size;
  }
  return { deleted, space };
}

export async function pruneCommand(root: string): Promise<number> {
  const { deleted, space } = await pruneContainers(root);
  const list = deleted.length ? `Deleted Containers:\n${deleted.map((id) => `${id}\n`).join('')}\n` : '';
  process.stdout.write(`${list}Total reclaimed space: ${humanSize(space, 4)}\n`); // the printer
  return 0;
}

/** the bytes of the files under dir, as docker counts a layer's size (never through a symlink the container made) */
function bytesUnder(dir: string): number {
  try {
    return treeSize(dir, 10_000_000);
  } catch {
    return 0; // no layer (a container without an image)
  }
}

/** wait: each container's exit code, once it has exited (one that is not there ends the list) */
export async function* waitContainers(root: string, refs: string[]): AsyncGenerator<Outcome<number>> {
  for (const ref of refs) {
    const c = getContainer(root, ref);
    const s = await waitState(root, c.config.id, (s) => s.status !== 'running', Infinity);
    yield { ref, value: s?.exitCode ?? 0 };
  }
}

export async function waitCommand(root: string, refs: string[]): Promise<number> {
  await printEach(waitContainers(root, refs), (o) => `${o.value}\n`);
  return 0;
}
