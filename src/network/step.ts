// chapter: 06-network step 6.1
// The network step. prepare: the network (made on first use), an address and host
// ports taken under the networks' lock, all written down in the container's record
// before anything is made. spawned: while the init waits at the barrier, a veth
// pair joins the bridge to the container's namespace, its end there becomes eth0
// with the address and the default route, lo comes up, and the published ports'
// DNAT rules go in. The runtime does all of it from outside, through a netlink
// socket made inside the container's namespace: the container itself never needs
// CAP_NET_ADMIN.
const { writeFileSync } = process.getBuiltinModule('node:fs');
import { join } from 'node:path';
import { containerDir } from '../container/store.js';
import { CLONE_NEWNET, native } from '../native.js';
import type { Step } from '../container/step.js';
import { broadcast, intToIp, parseCidr, allocate } from './ipam.js';
import { NAT_CHAIN, type Rule } from './iptables.js';
// <step 6.4>
import { addRule } from './iptables.js';
// </step 6.4>
import { Netlink } from './netlink.js';
import { ensureBridge } from './bridge.js';
import { allocatePorts, exposed, type PortMapping } from './ports.js';
import { reclaimNetwork, releaseNetwork, type NetworkState } from './state.js';
import { listNetworks, networkForRun, saveNetwork, withNetworks } from './store.js';

declare module '../image/store.js' {
  interface ContainerDefaults {
    ExposedPorts?: Record<string, unknown>;
  }
}

/** DNAT of one published port: to the host's address (any, or the one given) → the container's */
function dnat(p: PortMapping, ip: string, bridge: string): Rule {
  const dest = p.hostIp === '0.0.0.0' ? [] : ['-d', p.hostIp];
  return {
    table: 'nat',
    chain: NAT_CHAIN,
    args: ['-p', p.proto, ...dest, '--dport', String(p.hostPort), '!', '-i', bridge, '-j', 'DNAT', '--to-destination', `${ip}:${p.containerPort}`],
  };
}

export const networkStep: Step = {
  name: 'network',
  configure(ctx) {
    if (ctx.options.network !== 'host') return;
    // --network host: the init is cloned without CLONE_NEWNET, whoever starts it (this
    // CLI, or run -d's monitor): the host's namespace is the container's
    const spawn = ctx.spawn ?? native.spawn;
    ctx.spawn = (o) => spawn({ ...o, cloneFlags: (o.cloneFlags ?? 0) & ~CLONE_NEWNET });
  },
  prepare(ctx) {
    const { root, id, options: o } = ctx;
    const mode = o.network === 'none' || o.network === 'host' ? o.network : 'bridge';
    if (mode !== 'bridge') {
      ctx.state.update({ network: { mode, ports: [], rules: [], held: false } });
      return;
    }
    const wanted = [...o.publish, ...(o.publishAll ? Object.keys(ctx.image?.config.ExposedPorts ?? {}).map(exposed) : [])];
    const n = withNetworks(root, () => {
      const net = networkForRun(root, o.network);
      const nl = Netlink.open();
      try {
        ensureBridge(nl, net);
      } finally {
        nl.close();
      }
      const ip = allocate(net, id, net.name, o.ip);
      const ports = wanted.map((p) => ({ ...p }));
      allocatePorts(ports, id, net, listNetworks(root));
      const subnet = parseCidr(net.subnet);
      const state: NetworkState = {
        mode,
        network: net.name,
        networkId: net.id,
        ip,
        subnet: net.subnet,
        prefix: subnet.prefix,
        gateway: net.gateway,
        bridge: net.bridge,
        veth: `veth${id.slice(0, 11)}`,
        ports,
        rules: ports.map((p) => dnat(p, ip, net.bridge)),
        held: true,
      };
      // written down before the network file says so: a crash in between leaves a
      // record the sweep can release from
      ctx.state.update({ network: state });
      saveNetwork(root, net);
      return state;
    });
    ctx.cleanup.add('network', () => ctx.state.update({ network: releaseNetwork(root, id, ctx.state.current.network ?? n) }));
    if (ctx.spec.rootfs) writeEtc(containerDir(root, id), ctx.spec.hostname, n.ip!, o.addHosts, o.dns);
  },
  spawned(ctx, init) {
    const n = ctx.state.current.network;
    if (!n || n.mode === 'host') return;
    const inside = Netlink.open(init.pid); // a socket in the container's namespace
    try {
      inside.setUp('lo');
      if (n.mode !== 'bridge') return;
      const host = Netlink.open();
      try {
        host.addVeth(n.veth!, 'eth0', init.pid);
        host.setUp(n.veth!, n.bridge);
      } finally {
        host.close();
      }
      inside.addAddress('eth0', n.ip!, n.prefix!, intToIp(broadcast(parseCidr(n.subnet!))));
      inside.setUp('eth0');
      inside.addDefaultRoute(n.gateway!, 'eth0');
    } finally {
      inside.close();
    }
    // <step 6.4>
    for (const r of n.rules) addRule(r);
    // </step 6.4>
  },
  reclaim: reclaimNetwork, // the sweep and rm, once the container has ended
};

/** the container's /etc/hosts (its own name at its address, --add-host) and, with --dns, /etc/resolv.conf */
function writeEtc(dir: string, hostname: string, ip: string, addHosts: { name: string; ip: string }[], dns: string[]): void {
  const hosts = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', ...addHosts.map((h) => `${h.ip}\t${h.name}`), `${ip}\t${hostname}`];
  writeFileSync(join(dir, 'hosts'), `${hosts.join('\n')}\n`);
  if (dns.length) writeFileSync(join(dir, 'resolv.conf'), dns.map((d) => `nameserver ${d}\n`).join(''));
}
