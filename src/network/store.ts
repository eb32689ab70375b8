// chapter: 06-network
// Networks are records: <root>/networks/<name>.json holds the subnet, the gateway,
// the bridge device and the address allocations. Every read-modify-write of them
// happens under one lock (<root>/networks/.lock, flock), so concurrent runs never
// hand out one address twice, and a crash mid-way releases the lock with the process.
const { existsSync, readdirSync, readFileSync, rmSync } = process.getBuiltinModule('node:fs');
import { join } from 'node:path';
import { newId } from '../container/id.js';
import { withLock, writeAtomic } from '../container/store.js';
import { RuntimeError } from '../errors.js';
import { cidrText, intToIp, overlaps, parseCidr, type Cidr, type Pool } from './ipam.js';
import { hostRoutes } from './routes.js';

export interface NetworkRecord extends Pool {
  name: string;
  id: string;
  driver: 'bridge';
  /** the bridge device on the host */
  bridge: string;
  created: string;
  /** host ports published by containers on this network: "8080/tcp" → container id */
  ports: Record<string, string>;
}

/** the network a container joins when --network is not given, made on first use */
export const DEFAULT_NETWORK = 'bridge';
const DEFAULT_BRIDGE = 'mydocker0';
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

const networksDir = (root: string) => join(root, 'networks');
const networkFile = (root: string, name: string) => join(networksDir(root), `${name}.json`);

/** run fn holding the networks' lock */
export const withNetworks = <T>(root: string, fn: () => T): T => withLock(networksDir(root), fn);

export function listNetworks(root: string): NetworkRecord[] {
  if (!existsSync(networksDir(root))) return [];
  return readdirSync(networksDir(root))
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(networksDir(root), f), 'utf8')) as NetworkRecord);
}

/** by name, full id or id prefix */
export function findNetwork(root: string, ref: string): NetworkRecord | undefined {
  const all = listNetworks(root);
  return all.find((n) => n.name === ref) ?? all.find((n) => n.id === ref) ?? (ref.length >= 3 ? all.find((n) => n.id.startsWith(ref)) : undefined);
}

export const saveNetwork = (root: string, n: NetworkRecord) => writeAtomic(networkFile(root, n.name), `${JSON.stringify(n, null, 2)}\n`);
export const removeNetworkFile = (root: string, n: NetworkRecord) => rmSync(networkFile(root, n.name), { force: true });

// docker's default address pools: 172.17-31.0.0/16, then 192.168.0-240.0/20
const POOLS: Cidr[] = [
  ...Array.from({ length: 15 }, (_, i) => ({ base: ((172 << 24) | ((17 + i) << 16)) >>> 0, prefix: 16 })),
  ...Array.from({ length: 16 }, (_, i) => ({ base: ((192 << 24) | (168 << 16) | ((i * 16) << 8)) >>> 0, prefix: 20 })),
];

/** the first pool subnet that overlaps no route of the host and no other network (docker's check) */
function pickSubnet(root: string): Cidr {
  const taken = [...hostRoutes(), ...listNetworks(root).map((n) => parseCidr(n.subnet))];
  const free = POOLS.find((p) => !taken.some((t) => overlaps(p, t)));
  if (!free) throw new RuntimeError('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
  return free;
}

export interface CreateRequest {
  name: string;
  subnet?: string;
  gateway?: string;
  ipRange?: string;
}

/** a new network record (its device is made on first use); call under the lock */
export function createNetwork(root: string, r: CreateRequest): NetworkRecord {
  if (!NAME_RE.test(r.name)) throw new RuntimeError(`invalid network name "${r.name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`, 'usage');
  if (['none', 'host'].includes(r.name)) throw new RuntimeError(`network name "${r.name}" is reserved`, 'usage');
  if (findNetwork(root, r.name)?.name === r.name) throw new RuntimeError(`network with name ${r.name} already exists`, 'conflict');
  const subnet = r.subnet ? parseCidr(r.subnet) : pickSubnet(root);
  if (subnet.prefix > 30) throw new RuntimeError(`invalid subnet ${cidrText(subnet)}: a bridge network needs at least a /30`, 'usage');
  for (const other of listNetworks(root))
    if (overlaps(subnet, parseCidr(other.subnet))) throw new RuntimeError(`invalid pool request: Pool overlaps with other one on this address space (network "${other.name}", ${other.subnet})`, 'usage');
  const gateway = r.gateway ?? intToIp(subnet.base + 1);
  const gw = parseCidr(`${gateway}/32`, 'gateway').base;
  if (gw <= subnet.base || gw >= subnet.base + 2 ** (32 - subnet.prefix) - 1) throw new RuntimeError(`invalid gateway ${gateway}: not a host address of subnet ${cidrText(subnet)}`, 'usage');
  if (r.ipRange) {
    const range = parseCidr(r.ipRange, 'ip-range');
    if (range.base < subnet.base || range.base + 2 ** (32 - range.prefix) > subnet.base + 2 ** (32 - subnet.prefix))
      throw new RuntimeError(`invalid ip-range ${r.ipRange}: not inside subnet ${cidrText(subnet)}`, 'usage');
  }
  const id = newId(); // 64 hex digits, as a container's (and without loading node:crypto into every run)
  const n: NetworkRecord = {
    name: r.name,
    id,
    driver: 'bridge',
    subnet: cidrText(subnet),
    gateway,
    ...(r.ipRange ? { ipRange: r.ipRange } : {}),
    bridge: r.name === DEFAULT_NETWORK ? DEFAULT_BRIDGE : `br-${id.slice(0, 12)}`,
    created: new Date().toISOString(),
    allocations: {},
    ports: {},
  };
  saveNetwork(root, n);
  return n;
}

/** the network a run asked for; `bridge` is made the first time anyone asks. Under the lock. */
export function networkForRun(root: string, name: string): NetworkRecord {
  const n = findNetwork(root, name);
  if (n) return n;
  if (name === DEFAULT_NETWORK) return createNetwork(root, { name });
  throw new RuntimeError(`network ${name} not found`, 'notFound');
}
