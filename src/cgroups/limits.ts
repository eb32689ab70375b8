// chapter: 02-cgroups
// docker's resource flags, parsed and checked before anything is created. Values
// are kept in docker's own units (bytes, CPUs, shares); each driver converts them
// into its files' units.
import { readFileSync } from 'node:fs';
import { RuntimeError } from '../errors.js';

export interface Resources {
  /** -m: bytes */
  memory?: number;
  /** --memory-swap: memory plus swap, bytes; -1 = unlimited swap */
  memorySwap?: number;
  /** --cpus: how many CPUs' worth of time per period */
  cpus?: number;
  /** --cpu-shares: relative weight (docker's default 1024) */
  cpuShares?: number;
  /** --cpuset-cpus, --cpuset-mems: lists such as "0-1,3" */
  cpusetCpus?: string;
  cpusetMems?: string;
  /** --pids-limit: 0 or -1 = unlimited */
  pidsLimit?: number;
}

/** docker refuses less: the container's own start-up needs more than that */
export const MIN_MEMORY = 6 * 1024 * 1024;
/** the CFS period runc and docker use, in microseconds */
export const CPU_PERIOD = 100_000;

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** docker's RAMInBytes: "512m", "1.5g", "1024", "64KiB" (binary multiples) */
export function parseBytes(v: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp])?(i?b)?$/i.exec(v.trim());
  if (!m || (m[3] && !m[2] && m[3].toLowerCase() !== 'b')) throw new RuntimeError(`invalid argument "${v}" for "${flag}" flag: invalid size: '${v}'`);
  return Math.floor(Number(m[1]) * UNITS[(m[2] ?? '').toLowerCase()]);
}

/** "0-2,5" → [0, 1, 2, 5]; undefined when the text is not such a list */
export function parseCpuList(v: string): number[] | undefined {
  const out = new Set<number>();
  for (const part of v.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return undefined;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) return undefined;
    for (let i = lo; i <= hi; i++) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

/** the kernel's online list, e.g. /sys/devices/system/cpu/online */
function onlineList(file: string): number[] {
  try {
    return parseCpuList(readFileSync(file, 'utf8').trim()) ?? [0];
  } catch {
    return [0];
  }
}

interface Host {
  cpus: number[];
  mems: number[];
}

function hostResources(): Host {
  return { cpus: onlineList('/sys/devices/system/cpu/online'), mems: onlineList('/sys/devices/system/node/online') };
}

interface ResourceFlags {
  memory?: string;
  memorySwap?: string;
  cpus?: string;
  cpuShares?: string;
  cpusetCpus?: string;
  cpusetMems?: string;
  pidsLimit?: string;
}

/** the flags as typed → Resources, with docker's messages for what it refuses */
export function parseResources(f: ResourceFlags, host: Host = hostResources()): Resources {
  const r: Resources = {};
  if (f.memory !== undefined) {
    r.memory = parseBytes(f.memory, '--memory');
    if (r.memory < MIN_MEMORY) throw new RuntimeError('Minimum memory limit allowed is 6MB');
  }
  if (f.memorySwap !== undefined) {
    r.memorySwap = f.memorySwap === '-1' ? -1 : parseBytes(f.memorySwap, '--memory-swap');
    if (r.memory === undefined) throw new RuntimeError('You should always set the Memory limit when using Memoryswap limit, see usage');
    if (r.memorySwap !== -1 && r.memorySwap < r.memory) throw new RuntimeError('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
  if (f.cpus !== undefined) {
    const n = Number(f.cpus);
    if (f.cpus.trim() === '' || !Number.isFinite(n)) throw new RuntimeError(`invalid argument "${f.cpus}" for "--cpus" flag: not a number`);
    const nano = Math.round(n * 1e9); // docker keeps CPUs as billionths
    if (nano !== 0 && (nano < 1e7 || n > host.cpus.length))
      throw new RuntimeError(`Range of CPUs is from 0.01 to ${host.cpus.length.toFixed(2)}, as there are only ${host.cpus.length} CPUs available`);
    if (nano !== 0) r.cpus = nano / 1e9; // 0: no limit, as in docker
  }
  if (f.cpuShares !== undefined) {
    if (!/^\d+$/.test(f.cpuShares)) throw new RuntimeError(`invalid argument "${f.cpuShares}" for "--cpu-shares" flag: not a whole number`);
    // the kernel's range for cpu.shares; docker lets the kernel clamp, we say so up front
    const n = Number(f.cpuShares);
    if (n !== 0 && (n < 2 || n > 262144)) throw new RuntimeError(`invalid --cpu-shares ${n}: the range is 2 to 262144`);
    if (n !== 0) r.cpuShares = n;
  }
  for (const [flag, key, online, what] of [
    ['--cpuset-cpus', 'cpusetCpus', host.cpus, 'CPUs'],
    ['--cpuset-mems', 'cpusetMems', host.mems, 'Memory nodes'],
  ] as const) {
    const v = f[key];
    if (v === undefined) continue;
    const list = parseCpuList(v);
    if (!list) throw new RuntimeError(`invalid value "${v}" for "${flag}": expected a list such as 0-1,3`);
    const missing = list.filter((n) => !online.includes(n));
    if (missing.length) throw new RuntimeError(`Requested ${what} are not available - requested ${v}, available: ${formatList(online)}`);
    r[key] = formatList(list);
  }
  if (f.pidsLimit !== undefined) {
    if (!/^-?\d+$/.test(f.pidsLimit)) throw new RuntimeError(`invalid argument "${f.pidsLimit}" for "--pids-limit" flag: not a whole number`);
    const n = Number(f.pidsLimit);
    if (n > 0) r.pidsLimit = n; // 0 and -1: unlimited, as in docker
  }
  return r;
}

/** [0, 1, 2, 5] → "0-2,5" */
export function formatList(list: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < list.length; i++) {
    let j = i;
    while (j + 1 < list.length && list[j + 1] === list[j] + 1) j++;
    out.push(i === j ? `${list[i]}` : `${list[i]}-${list[j]}`);
    i = j;
  }
  return out.join(',');
}

/** --cgroup-parent: a path below the hierarchy's root; ".." may not climb out */
export function parseCgroupParent(v: string): string {
  const parts = v.split('/').filter((p) => p !== '' && p !== '.');
  if (!parts.length || parts.includes('..')) throw new RuntimeError(`invalid --cgroup-parent "${v}": a path such as mydocker or /my/group`);
  return parts.join('/');
}
