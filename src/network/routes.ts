// chapter: 06-network
// The host's IPv4 routes, from /proc/net/route (this network namespace's): a
// network's subnet must overlap none of them, or its bridge would steal traffic.
const { readFileSync } = process.getBuiltinModule('node:fs');
import type { Cidr } from './ipam.js';

/** each route's destination (the default route, 0.0.0.0/0, left out: everything overlaps it) */
export function hostRoutes(): Cidr[] {
  const lines = readFileSync('/proc/net/route', 'utf8').trim().split('\n').slice(1);
  const routes: Cidr[] = [];
  for (const line of lines) {
    const [, dest, , , , , , maskHex] = line.split(/\s+/);
    // the file prints addresses as little-endian hex
    const le = (hex: string) => Buffer.from(hex, 'hex').readUInt32LE(0);
    const mask = le(maskHex);
    if (mask === 0) continue;
    const prefix = mask.toString(2).replace(/0+$/, '').length;
    routes.push({ base: le(dest), prefix });
  }
  return routes;
}
