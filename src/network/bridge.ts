// chapter: 06-network
// A bridge network's device: the bridge itself, the gateway's address on it, and
// what the host must do for its traffic (forwarding, NAT). Made on first use,
// under the networks' lock; removed with the network.
const { readFileSync, writeFileSync } = process.getBuiltinModule('node:fs');
import { broadcast, intToIp, parseCidr } from './ipam.js';
import { deleteRule, ensureChains, ensureRules, networkRules } from './iptables.js';
import { Netlink, NetlinkError } from './netlink.js';
import type { NetworkRecord } from './store.js';

const sysctl = (key: string) => `/proc/sys/net/ipv4/${key}`;

export function ensureBridge(nl: Netlink, n: NetworkRecord): void {
  try {
    nl.index(n.bridge);
    return; // there already
  } catch (e) {
    if (!(e instanceof NetlinkError && e.code === 'ENODEV')) throw e;
  }
  const subnet = parseCidr(n.subnet);
  nl.addBridge(n.bridge);
  nl.addAddress(n.bridge, n.gateway, subnet.prefix, intToIp(broadcast(subnet)));
  nl.setUp(n.bridge);
  // <step 6.5>
  // 127.0.0.1:PORT DNAT'd to a container leaves on the bridge with a loopback
  // source: the kernel drops that as a martian unless route_localnet is on
  writeFileSync(sysctl(`conf/${n.bridge}/route_localnet`), '1');
  // </step 6.5>
  // routing between the bridge and the other interfaces; only if it is off
  if (readFileSync(sysctl('ip_forward'), 'utf8').trim() !== '1') writeFileSync(sysctl('ip_forward'), '1');
  ensureChains();
  ensureRules(networkRules(n.subnet, n.bridge));
}

export function removeBridge(nl: Netlink, n: NetworkRecord): void {
  nl.deleteLink(n.bridge);
  for (const r of networkRules(n.subnet, n.bridge)) deleteRule(r);
}
