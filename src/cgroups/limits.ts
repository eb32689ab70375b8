// chapter: 02-cgroups step 2.1
// docker's resource flags, parsed and checked before anything is created. Values
// are kept in docker's own units (bytes, CPUs, shares); each driver converts them
// into its files' units.
const { readFileSync } = process.getBuiltinModule('node:fs');
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
  const bytes = Math.floor(Number(m[1]) * UNITS[(m[2] ?? '').toLowerCase()]);
  // beyond 2^53 a double is no longer exact, and past 1e21 String() writes "1e+21", which
  // the kernel refuses (EINVAL): say so here, in the flag's own terms
  if (!Number.isSafeInteger(bytes)) throw new RuntimeError(`invalid argument "${v}" for "${flag}" flag: value out of range (less than 8PiB)`);
  return bytes;
}

/** the kernel's ceiling for pids.max (PID_MAX_LIMIT on 64-bit): more is EINVAL */
const MAX_PIDS = 4 * 1024 * 1024;

/** "0-2,5" → [[0, 2], [5, 5]]; undefined when the text is not such a list. Nothing is expanded. */
export function parseRanges(v: string): [number, number][] | undefined {
  const out: [number, number][] = [];
  for (const part of v.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return undefined;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo || !Number.isSafeInteger(hi)) return undefined;
    out.push([lo, hi]);
  }
  return out;
}

/**
 * "0-2,5" → [0, 1, 2, 5]; undefined when the text is not such a list or names a
 * number above max (checked before expanding: "0-99999999" costs nothing)
 */
export function parseCpuList(v: string, max = 8191): number[] | undefined {
  const ranges = parseRanges(v);
  if (!ranges || ranges.some(([, hi]) => hi > max)) return undefined;
  const out = new Set<number>();
  for (const [lo, hi] of ranges) for (let i = lo; i <= hi; i++) out.add(i);
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
    const nano = parseNanoCpus(f.cpus); // docker keeps CPUs as billionths
    if (nano !== 0n && (nano < 10_000_000n || nano > BigInt(host.cpus.length) * 1_000_000_000n))
      throw new RuntimeError(`Range of CPUs is from 0.01 to ${host.cpus.length.toFixed(2)}, as there are only ${host.cpus.length} CPUs available`);
    if (nano !== 0n) r.cpus = Number(nano) / 1e9; // 0: no limit, as in docker
  }
  if (f.cpuShares !== undefined) {
    if (!/^\d+$/.test(f.cpuShares)) throw new RuntimeError(`invalid argument "${f.cpuShares}" for "--cpu-shares" flag: not a whole number`);
    // the kernel's range for cpu.shares; docker lets the kernel clamp, we say so up front
    const n = Number(f.cpuShares);
    if (n !== 0 && (n < 2 || n > 262144)) throw new RuntimeError(`invalid --cpu-shares ${f.cpuShares}: the range is 2 to 262144`);
    if (n !== 0) r.cpuShares = n;
  }
  for (const [flag, key, online, what] of [
    ['--cpuset-cpus', 'cpusetCpus', host.cpus, 'CPUs'],
    ['--cpuset-mems', 'cpusetMems', host.mems, 'Memory nodes'],
  ] as const) {
    const v = f[key];
    if (v === undefined) continue;
    const ranges = parseRanges(v);
    if (!ranges) throw new RuntimeError(`invalid value "${v}" for "${flag}": expected a list such as 0-1,3`);
    // the machine's own numbers bound the list before it is expanded
    const list = parseCpuList(v, Math.max(...online));
    if (!list || list.some((n) => !online.includes(n)))
      throw new RuntimeError(`Requested ${what} are not available - requested ${v}, available: ${formatList(online)}`);
    r[key] = formatList(list);
  }
  if (f.pidsLimit !== undefined) {
    if (!/^-?\d+$/.test(f.pidsLimit)) throw new RuntimeError(`invalid argument "${f.pidsLimit}" for "--pids-limit" flag: not a whole number`);
    const n = Number(f.pidsLimit);
    if (n > MAX_PIDS) throw new RuntimeError(`invalid --pids-limit ${f.pidsLimit}: the kernel allows at most ${MAX_PIDS} (0 or -1: unlimited)`);
    if (n > 0) r.pidsLimit = n; // 0 and -1: unlimited, as in docker
  }
  return r;
}

/**
 * --cpus as docker's client reads it: Go's big.Rat.SetString ("1.5", "3/2", "15e-1",
 * "0x1", "0x1.8p0", "1_000") times 10^9, which must come out whole
 */
export function parseNanoCpus(v: string): bigint {
  const rat = parseRat(v);
  if (!rat) throw new RuntimeError(`invalid argument "${v}" for "--cpus" flag: failed to parse ${v} as a rational number`);
  const [num, den] = rat;
  if ((num * 1_000_000_000n) % den !== 0n) throw new RuntimeError(`invalid argument "${v}" for "--cpus" flag: value is too precise`);
  return (num * 1_000_000_000n) / den;
}

const DIGITS: Record<number, RegExp> = { 2: /[01]/, 8: /[0-7]/, 10: /[0-9]/, 16: /[0-9a-fA-F]/ };

/**
 * Go's nat.scan with base 0: an optional prefix (0b, 0o, 0x; in an integer a lone
 * leading 0 means octal), digits with "_" only between digits, and in a float an
 * optional ".". Returns the digits, base and where scanning stopped.
 */
function scanMantissa(s: string, at: number, fracOk: boolean): { digits: string; frac: number; base: number; end: number } | undefined {
  let base = 10;
  let prefixed = false;
  let i = at;
  if (s[i] === '0' && /[bBoOxX]/.test(s[i + 1] ?? '')) {
    base = { b: 2, o: 8, x: 16 }[s[i + 1].toLowerCase() as 'b' | 'o' | 'x'];
    prefixed = true;
    i += 2;
  } else if (s[i] === '0' && !fracOk && i + 1 < s.length && s[i + 1] !== '/') {
    base = 8; // Int.SetString: "017" is octal
  }
  let digits = '';
  let frac = -1;
  let prev = prefixed ? '0' : '.';
  let bad = false;
  for (; i < s.length; i++) {
    const c = s[i];
    if (c === '.' && fracOk && frac < 0) {
      frac = digits.length;
      prev = '.';
    } else if (c === '_') {
      if (prev !== '0') bad = true;
      prev = '_';
    } else if (DIGITS[base].test(c)) {
      digits += c;
      prev = '0';
    } else break;
  }
  if (bad || prev === '_' || digits === '') return undefined;
  return { digits, frac: frac < 0 ? 0 : digits.length - frac, base, end: i };
}

/** Go's big.Rat.SetString: "a/b" or a float with an optional e (base 10) or p (base 2) exponent */
export function parseRat(s: string): [bigint, bigint] | undefined {
  const big = (digits: string, base: number) => digits.split('').reduce((n, d) => n * BigInt(base) + BigInt(parseInt(d, 16)), 0n);
  const slash = s.indexOf('/');
  const sign = s[0] === '-' ? -1n : 1n;
  const start = s[0] === '-' || s[0] === '+' ? 1 : 0;
  if (slash >= 0) {
    const a = scanMantissa(s.slice(0, slash), start, false);
    const b = scanMantissa(s.slice(slash + 1), 0, false);
    if (!a || !b || a.end !== slash || b.end !== s.length - slash - 1) return undefined;
    const den = big(b.digits, b.base);
    return den === 0n ? undefined : [sign * big(a.digits, a.base), den];
  }
  const m = scanMantissa(s, start, true);
  if (!m) return undefined;
  let num = sign * big(m.digits, m.base);
  let den = BigInt(m.base) ** BigInt(m.frac);
  const i = m.end;
  if (i < s.length) {
    const kind = s[i].toLowerCase();
    if (kind !== 'e' && kind !== 'p') return undefined;
    if (kind === 'e' && m.base === 16) return undefined;
    const e = /^([+-]?)([0-9](?:_?[0-9])*)$/.exec(s.slice(i + 1));
    if (!e) return undefined;
    const exp = Number(e[2].replace(/_/g, '')) * (e[1] === '-' ? -1 : 1);
    if (Math.abs(exp) > 1_000_000) return undefined; // Go refuses such exponents too (and they would cost seconds)
    const pow = BigInt(kind === 'e' ? 10 : 2) ** BigInt(Math.abs(exp));
    if (exp > 0) num *= pow;
    else den *= pow;
  }
  return [num, den];
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
