// chapter: 06-network step 6.2
// The network commands, on the records of store.ts and the devices of bridge.ts.
import { printEach, table, type Outcome } from '../toolkit/format.js';
import { withStore } from '../container/sweep.js';
import { RuntimeError } from '../errors.js';
import { removeBridge } from './bridge.js';
import { Netlink } from './netlink.js';
import { createNetwork, DEFAULT_NETWORK, listNetworks, findNetwork, removeNetworkFile, withNetworks, type CreateRequest, type NetworkRecord } from './store.js';

/** network create: the new network's id */
export function create(root: string, r: CreateRequest): string {
  return withNetworks(root, () => createNetwork(root, r)).id;
}

export function createCommand(root: string, r: CreateRequest): number {
  process.stdout.write(`${create(root, r)}\n`);
  return 0;
}

/** a line of `network ls`: the networks on record, by name, then docker's two pseudo networks (which -q leaves out) */
interface NetworkRow {
  id: string;
  name: string;
  driver: string;
  pseudo?: boolean;
}

/** network ls: the rows (the table is the printer's, JSON the daemon's) */
export function listNetworkRows(root: string): NetworkRow[] {
  const all = withNetworks(root, () => listNetworks(root)).sort((a, b) => a.name.localeCompare(b.name));
  const pseudo = [
    { id: 'none', name: 'none', driver: 'null', pseudo: true },
    { id: 'host', name: 'host', driver: 'host', pseudo: true },
  ];
  return [...all.map((n) => ({ id: n.id, name: n.name, driver: n.driver })), ...pseudo];
}

/** network ls's printer: docker's table, or -q's short ids */
function printNetworks(rows: NetworkRow[], quiet: boolean): void {
  if (quiet) process.stdout.write(rows.filter((r) => !r.pseudo).map((r) => `${r.id.slice(0, 12)}\n`).join(''));
  else process.stdout.write(table([['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE'], ...rows.map((r) => [r.id.slice(0, 12), r.name, r.driver, 'local'])]));
}

export function lsCommand(root: string, quiet: boolean): number {
  printNetworks(listNetworkRows(root), quiet);
  return 0;
}

function dockerShape(n: NetworkRecord): Record<string, unknown> {
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created,
    Scope: 'local',
    Driver: n.driver,
    EnableIPv6: false,
    IPAM: { Driver: 'default', Config: [{ Subnet: n.subnet, Gateway: n.gateway, ...(n.ipRange ? { IPRange: n.ipRange } : {}) }] },
    Containers: Object.fromEntries(Object.entries(n.allocations).map(([ip, id]) => [id, { IPv4Address: `${ip}/${n.subnet.split('/')[1]}` }])),
    Options: { 'com.docker.network.bridge.name': n.bridge },
  };
}

/** network inspect: each network in docker's JSON shape */
export function inspectNetworks(root: string, refs: string[]): Record<string, unknown>[] {
  // swept first: the containers listed are alive
  return withStore(root, () =>
    withNetworks(root, () =>
      refs.map((ref) => {
        const n = findNetwork(root, ref);
        if (!n) throw new RuntimeError(`network ${ref} not found`, 'notFound');
        return dockerShape(n);
      }),
    ),
  );
}

export function inspectCommand(root: string, refs: string[]): number {
  process.stdout.write(`${JSON.stringify(inspectNetworks(root, refs), null, 4)}\n`); // the printer: docker's JSON
  return 0;
}

/** the record and the device; refused while a container holds an address on it */
function remove(root: string, n: NetworkRecord): void {
  const attached = Object.values(n.allocations);
  if (attached.length) throw new RuntimeError(`error while removing network: network ${n.name} id ${n.id} has active endpoints`, 'conflict');
  const nl = Netlink.open();
  try {
    removeBridge(nl, n);
  } finally {
    nl.close();
  }
  removeNetworkFile(root, n);
}

/** network rm: each network as it goes, or why not */
export function* removeNetworks(root: string, refs: string[]): Generator<Outcome> {
  for (const ref of refs) {
    try {
      withStore(root, () =>
        withNetworks(root, () => {
          const n = findNetwork(root, ref);
          if (!n) throw new RuntimeError(`network ${ref} not found`, 'notFound');
          if (n.name === DEFAULT_NETWORK) throw new RuntimeError(`${n.name} is a pre-defined network and cannot be removed`);
          remove(root, n);
        }),
      );
      yield { ref };
    } catch (e) {
      yield { ref, error: e as Error };
    }
  }
}

export function rmCommand(root: string, refs: string[]): Promise<number> {
  return printEach(removeNetworks(root, refs));
}

/** network prune: every user-defined network no container uses; their names */
export function pruneNetworks(root: string): string[] {
  return withStore(root, () =>
    withNetworks(root, () =>
      listNetworks(root)
        .filter((n) => n.name !== DEFAULT_NETWORK && !Object.keys(n.allocations).length)
        .map((n) => (remove(root, n), n.name)),
    ),
  );
}

export function pruneCommand(root: string): number {
  const removed = pruneNetworks(root);
  if (removed.length) process.stdout.write(`Deleted Networks:\n${removed.map((n) => `${n}\n`).join('')}`);
  return 0;
}
