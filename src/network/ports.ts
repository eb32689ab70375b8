// chapter: 06-network
// Published ports: -p [IP:][HOST:]CONTAINER[/PROTO], -P, docker's ps column, and a
// free host port from the ephemeral range when none is given.
const { readFileSync } = process.getBuiltinModule('node:fs');
import { UsageError } from '../toolkit/args.js';
import { RuntimeError } from '../errors.js';
import { isIp } from './ipam.js';
import type { NetworkRecord } from './store.js';

export interface PortMapping {
  hostIp: string;
  /** 0 until one is picked */
  hostPort: number;
  containerPort: number;
  proto: 'tcp' | 'udp';
}

const port = (s: string, spec: string) => {
  const n = Number(s);
  if (!/^\d+$/.test(s) || n < 1 || n > 65535) throw new UsageError(`invalid port "${s}" in "${spec}": a number from 1 to 65535`);
  return n;
};

/** docker's -p grammar (no ranges) */
export function parsePublish(spec: string): PortMapping {
  const m = /^(?:(?:(\d+\.\d+\.\d+\.\d+):)?(\d*):)?(\d+)(?:\/(tcp|udp))?$/.exec(spec);
  if (!m) throw new UsageError(`invalid publish spec "${spec}": want [IP:][HOST:]CONTAINER[/tcp|udp]`);
  const [, ip, host, container, proto] = m;
  if (ip !== undefined && !isIp(ip)) throw new UsageError(`invalid IP address "${ip}" in "${spec}"`);
  return { hostIp: ip ?? '0.0.0.0', hostPort: host ? port(host, spec) : 0, containerPort: port(container, spec), proto: (proto ?? 'tcp') as 'tcp' | 'udp' };
}

/** "80/tcp" keys of an image's ExposedPorts */
export function exposed(key: string): PortMapping {
  const [p, proto = 'tcp'] = key.split('/');
  return { hostIp: '0.0.0.0', hostPort: 0, containerPort: Number(p), proto: proto === 'udp' ? 'udp' : 'tcp' };
}

/** ports something listens on right now (tcp LISTEN, any bound udp), from /proc/net */
function listening(proto: string): Set<number> {
  const out = new Set<number>();
  for (const file of [proto, `${proto}6`]) {
    let text = '';
    try {
      text = readFileSync(`/proc/net/${file}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.trim().split('\n').slice(1)) {
      const [, local, , st] = line.trim().split(/\s+/);
      if (proto === 'udp' || st === '0A') out.add(parseInt(local.split(':')[1], 16));
    }
  }
  return out;
}

/** give each mapping its host port, checked against every network's; call under the networks' lock */
export function allocatePorts(mappings: PortMapping[], owner: string, network: NetworkRecord, all: NetworkRecord[]): void {
  const used = new Set(all.flatMap((n) => Object.keys(n.ports)));
  for (const m of mappings) {
    if (m.hostPort === 0) {
      const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
      const busy = listening(m.proto);
      for (let p = lo; p <= hi && !m.hostPort; p++) if (!used.has(`${p}/${m.proto}`) && !busy.has(p)) m.hostPort = p;
      if (!m.hostPort) throw new RuntimeError('no free host port in the ephemeral range');
    } else if (used.has(`${m.hostPort}/${m.proto}`)) {
      throw new RuntimeError(`driver failed programming external connectivity: Bind for ${m.hostIp}:${m.hostPort} failed: port is already allocated`);
    }
    used.add(`${m.hostPort}/${m.proto}`);
    network.ports[`${m.hostPort}/${m.proto}`] = owner;
  }
}

/** docker's PORTS column: 0.0.0.0:8080->80/tcp, … */
export const portsText = (ports: PortMapping[]) => ports.map((p) => `${p.hostIp}:${p.hostPort}->${p.containerPort}/${p.proto}`).join(', ');
