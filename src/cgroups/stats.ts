// chapter: 09-daemon
// What a container uses, read from the cgroup chapter 02 made for it, in the shape
// of docker's stats (GET /containers/ID/stats, which `docker stats` renders). The
// kernel counts per cgroup: CPU time, memory, pids and block I/O, under other file
// names on v1 (a directory per controller) and v2 (one directory).
const { existsSync, readFileSync } = process.getBuiltinModule('node:fs');
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { read } from './fs.js';

/** "key value" lines (memory.stat, cpu.stat) as an object */
function keyValues(text: string): Record<string, number> {
  return Object.fromEntries(
    text
      .split('\n')
      .map((l) => l.split(' '))
      .filter((p) => p.length === 2)
      .map(([k, v]) => [k, Number(v)]),
  );
}

const num = (s: string) => (/^\d+$/.test(s) ? Number(s) : 0);

/** the whole machine's CPU time in nanoseconds (/proc/stat's first line, in USER_HZ ticks: 100 a second) */
function systemCpuUsage(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  return fields.reduce((a, b) => a + b, 0) * 1e7;
}

interface IoEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

/** the container's own cgroup directories: its leaves (a v1 one per controller; on v2 one) */
function leaves(id: string, dirs: string[]): string[] {
  return dirs.filter((d) => basename(d) === id);
}

/** the leaf that has this file (v1: the controller's directory) */
function withFile(dirs: string[], file: string): string | undefined {
  return dirs.find((d) => existsSync(`${d}/${file}`));
}

/** v1's blkio.throttle.io_service_bytes ("8:0 Read 4096") or v2's io.stat ("8:0 rbytes=4096 wbytes=0 …") */
function blkio(dirs: string[]): IoEntry[] {
  const out: IoEntry[] = [];
  const v1 = withFile(dirs, 'blkio.throttle.io_service_bytes');
  if (v1) {
    for (const line of read(v1, 'blkio.throttle.io_service_bytes').split('\n')) {
      const m = /^(\d+):(\d+) (Read|Write) (\d+)$/.exec(line);
      if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3].toLowerCase(), value: Number(m[4]) });
    }
    return out;
  }
  const v2 = withFile(dirs, 'io.stat');
  for (const line of v2 ? read(v2, 'io.stat').split('\n') : []) {
    const m = /^(\d+):(\d+) (.*)$/.exec(line);
    if (!m) continue;
    const kv = Object.fromEntries(m[3].split(' ').map((p) => p.split('=')));
    out.push({ major: Number(m[1]), minor: Number(m[2]), op: 'read', value: Number(kv.rbytes ?? 0) });
    out.push({ major: Number(m[1]), minor: Number(m[2]), op: 'write', value: Number(kv.wbytes ?? 0) });
  }
  return out;
}

/** docker's cpu_stats: the container's CPU time (ns), the machine's, the throttling */
function cpuStats(dirs: string[]): Record<string, unknown> {
  const system_cpu_usage = systemCpuUsage();
  const online_cpus = availableParallelism();
  const v1 = withFile(dirs, 'cpuacct.usage');
  if (v1) {
    const ticks = keyValues(read(v1, 'cpuacct.stat'));
    const percpu = read(v1, 'cpuacct.usage_percpu').split(/\s+/).filter(Boolean).map(Number);
    const throttled = withFile(dirs, 'cpu.stat');
    const t = throttled ? keyValues(read(throttled, 'cpu.stat')) : {};
    return {
      cpu_usage: { total_usage: num(read(v1, 'cpuacct.usage')), percpu_usage: percpu, usage_in_kernelmode: (ticks.system ?? 0) * 1e7, usage_in_usermode: (ticks.user ?? 0) * 1e7 },
      system_cpu_usage,
      online_cpus,
      throttling_data: { periods: t.nr_periods ?? 0, throttled_periods: t.nr_throttled ?? 0, throttled_time: t.throttled_time ?? 0 },
    };
  }
  const v2 = withFile(dirs, 'cpu.stat');
  const s = v2 ? keyValues(read(v2, 'cpu.stat')) : {};
  return {
    cpu_usage: { total_usage: (s.usage_usec ?? 0) * 1000, usage_in_kernelmode: (s.system_usec ?? 0) * 1000, usage_in_usermode: (s.user_usec ?? 0) * 1000 },
    system_cpu_usage,
    online_cpus,
    throttling_data: { periods: s.nr_periods ?? 0, throttled_periods: s.nr_throttled ?? 0, throttled_time: (s.throttled_usec ?? 0) * 1000 },
  };
}

/** docker's memory_stats: usage, limit (the machine's memory when there is none), memory.stat's counters */
function memoryStats(dirs: string[], hostMemory: number): Record<string, unknown> {
  const v1 = withFile(dirs, 'memory.usage_in_bytes');
  if (v1) {
    const limit = num(read(v1, 'memory.limit_in_bytes'));
    return { usage: num(read(v1, 'memory.usage_in_bytes')), max_usage: num(read(v1, 'memory.max_usage_in_bytes')), limit: Math.min(limit || hostMemory, hostMemory), stats: keyValues(read(v1, 'memory.stat')) };
  }
  const v2 = withFile(dirs, 'memory.current');
  if (!v2) return {};
  const max = read(v2, 'memory.max');
  return { usage: num(read(v2, 'memory.current')), limit: max === 'max' ? hostMemory : Math.min(num(max), hostMemory), stats: keyValues(read(v2, 'memory.stat')) };
}

/** one sample of a container's cgroup counters (dirs: the record's cgroups), in docker's field names */
export function cgroupStats(id: string, dirs: string[], hostMemory: number): Record<string, unknown> {
  const own = leaves(id, dirs);
  const pids = withFile(own, 'pids.current');
  const max = pids ? read(pids, 'pids.max') : '';
  return {
    pids_stats: pids ? { current: num(read(pids, 'pids.current')), ...(max && max !== 'max' ? { limit: num(max) } : {}) } : {},
    blkio_stats: { io_service_bytes_recursive: blkio(own) },
    cpu_stats: cpuStats(own),
    memory_stats: memoryStats(own, hostMemory),
  };
}
