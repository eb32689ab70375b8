// chapter: 06-network
// What a container holds of the network, in its state.json: written before each
// thing is made, so that whoever ends the container (its run, its monitor's exit
// command, rm -f, the crash sweep) can give all of it back from the record alone.
import { release } from './ipam.js';
import { deleteRule, type Rule } from './iptables.js';
import { Netlink } from './netlink.js';
import type { PortMapping } from './ports.js';
import { findNetwork, saveNetwork, withNetworks } from './store.js';
import type { ContainerState } from '../container/state.js';

export interface NetworkState {
  mode: 'bridge' | 'none' | 'host';
  /** bridge mode: the network, the address, the host's end of the veth */
  network?: string;
  networkId?: string;
  ip?: string;
  subnet?: string;
  prefix?: number;
  gateway?: string;
  bridge?: string;
  veth?: string;
  ports: PortMapping[];
  /** the container's own iptables rules (DNAT of its published ports) */
  rules: Rule[];
  /** true while the address, the ports and the rules are the container's */
  held: boolean;
}

declare module '../container/state.js' {
  interface ContainerState {
    network?: NetworkState;
  }
}

/** give back everything the container holds; safe to repeat (the sweep and the run may both try) */
export function releaseNetwork(root: string, id: string, n: NetworkState): NetworkState {
  if (!n.held) return n;
  for (const r of n.rules) deleteRule(r);
  if (n.veth) {
    // gone with the container's namespace already, unless something keeps it alive
    const nl = Netlink.open();
    try {
      nl.deleteLink(n.veth);
    } finally {
      nl.close();
    }
  }
  if (n.network)
    withNetworks(root, () => {
      const rec = findNetwork(root, n.network!);
      if (!rec) return;
      release(rec, id);
      for (const [key, owner] of Object.entries(rec.ports)) if (owner === id) delete rec.ports[key];
      saveNetwork(root, rec);
    });
  return { ...n, held: false };
}

/** the network step's reclaim (Step.reclaim): an ended container's address, ports and rules, if it still holds them */
export function reclaimNetwork(root: string, id: string, s: ContainerState): Partial<ContainerState> | undefined {
  return s.network?.held ? { network: releaseNetwork(root, id, s.network) } : undefined;
}
