// chapter: 05-lifecycle
// ps, rm, inspect and wait: what a container is, read from its record (swept, so
// true), in docker's formats.
import { rmdirSync } from 'node:fs';
import { humanDuration, table } from '../cli/format.js';
import { shortId } from '../container/id.js';
import type { ContainerState } from '../container/state.js';
import { alive, withStore } from '../container/sweep.js';
import { removeContainerDir } from '../container/store.js';
import { RuntimeError } from '../errors.js';
import { allContainers, getContainer, isRunning, readState, waitState, type Container } from './record.js';
import { stopContainer } from './signal.js';
// <chapter 06-network>
import { portsText } from '../network/ports.js';
// </chapter 06-network>

const ago = (iso: string | undefined) => (iso ? `${humanDuration(Date.now() - Date.parse(iso))} ago` : '');

/** docker's STATUS column */
function statusText(s: ContainerState): string {
  if (s.status === 'running') return `Up ${humanDuration(Date.now() - Date.parse(s.startedAt ?? ''))}`;
  if (s.status === 'exited') return `Exited (${s.exitCode ?? 0}) ${ago(s.finishedAt)}`;
  return 'Created';
}

/** docker's Ellipsis: at most n characters, the last one "…" */
const ellipsis = (s: string, n: number) => ([...s].length > n ? [...s].slice(0, n - 1).join('') + '…' : s);

export function psCommand(root: string, o: { all: boolean; quiet: boolean; noTrunc: boolean }): number {
  const list = allContainers(root)
    .filter((c) => o.all || c.state.status === 'running')
    .sort((a, b) => b.config.created.localeCompare(a.config.created));
  const id = (c: Container) => (o.noTrunc ? c.config.id : shortId(c.config.id));
  if (o.quiet) {
    process.stdout.write(list.map((c) => `${id(c)}\n`).join(''));
    return 0;
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
  return 0;
}

/** rm: a running container only with -f (killed first); nothing of it stays */
export async function rmCommand(root: string, refs: string[], force: boolean): Promise<number> {
  let status = 0;
  for (const ref of refs) {
    try {
      const c = getContainer(root, ref);
      if (c.state.status === 'running' || isRunning(c.state)) {
        if (!force)
          throw new RuntimeError(`You cannot remove a running container ${c.config.id}. Stop the container before attempting removal or force remove`);
        await stopContainer(root, c, 0);
      }
      // its owner (monitor or CLI) may still be finishing: it must not write into what we delete
      await waitState(root, c.config.id, (s) => !alive(s.cli, s.cliStart), 10_000);
      withStore(root, () => {
        let state: ContainerState;
        try {
          state = readState(root, c.config.id);
        } catch {
          return; // --rm: its monitor removed it already
        }
        for (const dir of [...(state.cgroups ?? [])].reverse()) rmdirQuiet(dir);
        removeContainerDir(root, c.config.id);
      });
      process.stdout.write(`${ref}\n`);
    } catch (e) {
      process.stderr.write(`mydocker: ${(e as Error).message}\n`);
      status = e instanceof RuntimeError ? e.status : 125;
    }
  }
  return status;
}

function rmdirQuiet(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // gone already, or a parent another container still uses
  }
}

/** wait: each container's exit code, once it has exited */
export async function waitCommand(root: string, refs: string[]): Promise<number> {
  for (const ref of refs) {
    const c = getContainer(root, ref);
    const s = await waitState(root, c.config.id, (s) => s.status !== 'running', Infinity);
    process.stdout.write(`${s?.exitCode ?? 0}\n`);
  }
  return 0;
}
