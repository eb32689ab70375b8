// chapter: 09-daemon
// `top` (GET /containers/ID/top): the host's ps, its rows kept for the processes of
// the container's cgroup, as dockerd does. The cgroup knows every process of the
// container, however deep it forked; ps shows them with the host's pids.
const { readFileSync } = process.getBuiltinModule('node:fs');
import { execFileSync } from 'node:child_process';
import { basename } from 'node:path';
import { RuntimeError } from '../errors.js';
import { getContainer, isRunning } from './containers.js';

export interface Top {
  Titles: string[];
  Processes: string[][];
}

/** the pids in the container's cgroup (every controller's leaf: on v1 each has the list) */
function cgroupPids(id: string, dirs: string[]): Set<number> {
  const pids = new Set<number>();
  for (const d of dirs.filter((d) => basename(d) === id)) {
    try {
      for (const p of readFileSync(`${d}/cgroup.procs`, 'utf8').split('\n')) if (p) pids.add(Number(p));
    } catch {
      // this controller's leaf is gone
    }
  }
  return pids;
}

/** ps's columns for the container's processes; psArgs: ps's options (dockerd's default -ef) */
export function topContainer(root: string, ref: string, psArgs = '-ef'): Top {
  const c = getContainer(root, ref);
  if (!isRunning(c.state)) throw new RuntimeError(`Container ${c.config.id} is not running`, 'conflict');
  const args = psArgs.split(/\s+/).filter(Boolean);
  let text: string;
  try {
    text = execFileSync('ps', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new RuntimeError(`Error running ps: ${(e as { stderr?: string }).stderr?.trim() || (e as Error).message}`, 'runtime');
  }
  const [header, ...lines] = text.split('\n').filter(Boolean);
  const Titles = header.trim().split(/\s+/);
  const at = Titles.indexOf('PID');
  if (at < 0) throw new RuntimeError(`Couldn't find PID field in ps output`, 'usage');
  const pids = cgroupPids(c.config.id, c.state.cgroups ?? []);
  const Processes = lines
    .map((l) => {
      const f = l.trim().split(/\s+/);
      return [...f.slice(0, Titles.length - 1), f.slice(Titles.length - 1).join(' ')]; // the last column (the command) has spaces
    })
    .filter((f) => pids.has(Number(f[at])));
  return { Titles, Processes };
}
