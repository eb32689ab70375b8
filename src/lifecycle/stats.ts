// chapter: 09-daemon
// `stats` (GET /containers/ID/stats): one sample of what a running container uses,
// in docker's shape. CPU, memory, pids and block I/O come from its cgroup (chapter
// 02); the network's bytes from /proc/PID/net/dev, the counters of the container's
// own network namespace. A CPU percentage needs two samples: the previous one goes
// in precpu_stats, and the client divides the container's share of the time between
// them by the machine's.
const { readFileSync } = process.getBuiltinModule('node:fs');
import { totalmem } from 'node:os';
import { cgroupStats } from '../cgroups/stats.js';
import { RuntimeError } from '../errors.js';
import { getContainer, isRunning } from './containers.js';

/** each interface of the container's network namespace but lo: docker's networks */
function networks(pid: number): Record<string, Record<string, number>> | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/net/dev`, 'utf8');
  } catch {
    return undefined;
  }
  const out: Record<string, Record<string, number>> = {};
  for (const line of text.split('\n').slice(2)) {
    const m = /^\s*([^:]+):\s*(.*)$/.exec(line);
    if (!m || m[1] === 'lo') continue;
    const f = m[2].trim().split(/\s+/).map(Number);
    out[m[1]] = { rx_bytes: f[0], rx_packets: f[1], rx_errors: f[2], rx_dropped: f[3], tx_bytes: f[8], tx_packets: f[9], tx_errors: f[10], tx_dropped: f[11] };
  }
  return Object.keys(out).length ? out : undefined;
}

export type Stats = Record<string, unknown> & { cpu_stats: unknown; read: string };

/** one sample; previous: the sample before it (its cpu_stats become precpu_stats) */
export function containerStats(root: string, ref: string, previous?: Stats): Stats {
  const c = getContainer(root, ref);
  if (!isRunning(c.state)) throw new RuntimeError(`Container ${c.config.id} is not running`, 'conflict');
  const net = networks(c.state.pid!);
  return {
    read: new Date().toISOString(),
    preread: previous?.read ?? '0001-01-01T00:00:00Z',
    ...(cgroupStats(c.config.id, c.state.cgroups ?? [], totalmem()) as { cpu_stats: unknown }),
    num_procs: 0,
    storage_stats: {},
    precpu_stats: previous?.cpu_stats ?? { cpu_usage: { total_usage: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } },
    name: `/${c.config.name}`,
    id: c.config.id,
    ...(net ? { networks: net } : {}),
  };
}
