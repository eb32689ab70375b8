// chapter: 06-network step 6.1
// run's network flags, each value checked before anything is made.
import { list, str, UsageError, type OptionGroup } from '../toolkit/args.js';
import { isIp } from './ipam.js';
import { parsePublish, type PortMapping } from './ports.js';

declare module '../container/config.js' {
  interface RunOptions {
    /** bridge (default), none, host, or a network's name */
    network: string;
    ip?: string;
    publish: PortMapping[];
    publishAll: boolean;
    dns: string[];
    addHosts: { name: string; ip: string }[];
  }
}

export const networkOptions: OptionGroup = {
  options: [
    { long: 'network', value: 'network', desc: 'Connect a container to a network (bridge, none, host or a network\'s name)' },
    { long: 'ip', value: 'address', desc: 'IPv4 address (e.g., 172.30.100.104)' },
    { long: 'publish', short: 'p', value: '[IP:][HOST:]CONTAINER[/PROTO]', repeat: true, desc: "Publish a container's port(s) to the host" },
    { long: 'publish-all', short: 'P', desc: 'Publish all exposed ports to random ports' },
    { long: 'dns', value: 'ip', repeat: true, desc: 'Set custom DNS servers' },
    { long: 'add-host', value: 'host:ip', repeat: true, desc: 'Add a custom host-to-IP mapping (host:ip)' },
  ],
  fill(v, o) {
    // dockerd's --bridge=none: MYDOCKER_DEFAULT_NETWORK=none leaves containers without a network
    // unless they ask (the tests of the other chapters run so: they never touch the machine's)
    o.network = str(v.network) ?? (process.env.MYDOCKER_DEFAULT_NETWORK || 'bridge');
    // <replaced-by 6.2>
    //~ if (o.network !== 'none' && o.network !== 'host') throw new UsageError(`network "${o.network}": bridge networks arrive in step 6.2 (use --network none or host)`);
    // </replaced-by 6.2>
    if (o.network === 'host') o.lateInit = true; // the init is cloned without CLONE_NEWNET (src/network/step.ts)
    o.ip = str(v.ip);
    if (o.ip !== undefined && !isIp(o.ip)) throw new UsageError(`invalid IPv4 address: ${o.ip}`);
    o.publish = list(v.publish).map(parsePublish);
    o.publishAll = v['publish-all'] === true;
    o.dns = list(v.dns);
    for (const d of o.dns) if (!isIp(d)) throw new UsageError(`${d} is not an ip address`);
    o.addHosts = list(v['add-host']).map((h) => {
      const i = h.lastIndexOf(':');
      const [name, ip] = [h.slice(0, i), h.slice(i + 1)];
      if (i < 1 || !isIp(ip)) throw new UsageError(`invalid argument "${h}" for "--add-host" flag: invalid IP address in add-host: "${ip}"`);
      return { name, ip };
    });
    if (['none', 'host'].includes(o.network) && (o.publish.length || o.publishAll || o.ip))
      throw new UsageError(`conflicting options: port publishing and --ip need a bridge network, not --network ${o.network}`);
  },
};
