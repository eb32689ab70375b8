// chapter: 06-network
// IPv4 address arithmetic and the address manager: a network's allocations are
// kept in its record (<root>/networks/<name>.json, see store.ts) and are only ever
// read and changed under the networks' lock, so two `run`s never get one address.
// The network's own address, its gateway and its broadcast are never handed out.
import { RuntimeError } from '../errors.js';

export const ipToInt = (ip: string) => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
export const intToIp = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');

const IP_RE = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
export const isIp = (s: string) => IP_RE.test(s);

export interface Cidr {
  /** the network address, as a number */
  base: number;
  prefix: number;
}

/** "10.1.2.0/24" → {base, prefix}; the address must be the network's own (docker refuses 10.1.2.3/24 as a subnet) */
export function parseCidr(s: string, what = 'subnet'): Cidr {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(s);
  if (!m || !isIp(m[1]) || Number(m[2]) > 32) throw new RuntimeError(`invalid ${what} "${s}": not a CIDR (e.g. 172.20.0.0/16)`, 'usage');
  const prefix = Number(m[2]);
  const base = ipToInt(m[1]);
  if ((base & mask(prefix)) >>> 0 !== base) throw new RuntimeError(`invalid ${what} "${s}": not a network address (did you mean ${intToIp((base & mask(prefix)) >>> 0)}/${prefix}?)`, 'usage');
  return { base, prefix };
}

export const mask = (prefix: number) => (prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0);
export const size = (c: Cidr) => 2 ** (32 - c.prefix);
export const broadcast = (c: Cidr) => c.base + size(c) - 1;
export const contains = (c: Cidr, ip: number) => ip >= c.base && ip <= broadcast(c);
export const overlaps = (a: Cidr, b: Cidr) => a.base <= broadcast(b) && b.base <= broadcast(a);
export const cidrText = (c: Cidr) => `${intToIp(c.base)}/${c.prefix}`;

export interface Pool {
  subnet: string;
  gateway: string;
  /** where container addresses come from (default: the whole subnet) */
  ipRange?: string;
  /** address → container id */
  allocations: Record<string, string>;
}

/** the first free address of the range: never the subnet's network, gateway or broadcast address */
export function allocate(pool: Pool, owner: string, name: string, wanted?: string): string {
  const subnet = parseCidr(pool.subnet);
  const reserved = new Set([subnet.base, ipToInt(pool.gateway), broadcast(subnet)]);
  const free = (n: number) => contains(subnet, n) && !reserved.has(n) && !(intToIp(n) in pool.allocations);
  if (wanted !== undefined) {
    if (!contains(subnet, ipToInt(wanted))) throw new RuntimeError(`invalid address ${wanted}: it does not belong to the network's subnet ${pool.subnet}`);
    if (!free(ipToInt(wanted))) throw new RuntimeError(`address ${wanted} is already in use on network "${name}"`, 'conflict');
    pool.allocations[wanted] = owner;
    return wanted;
  }
  const range = pool.ipRange ? parseCidr(pool.ipRange, 'ip-range') : subnet;
  for (let n = range.base; n <= broadcast(range); n++) {
    if (!free(n)) continue;
    const ip = intToIp(n);
    pool.allocations[ip] = owner;
    return ip;
  }
  throw new RuntimeError(`no available IPv4 address on network "${name}" (${pool.ipRange ?? pool.subnet})`);
}

/** give back what owner holds (a second release finds nothing: the sweep and the run may both try) */
export function release(pool: Pool, owner: string): void {
  for (const [ip, who] of Object.entries(pool.allocations)) if (who === owner) delete pool.allocations[ip];
}
