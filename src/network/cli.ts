// chapter: 06-network step 6.2
// `network create|ls|inspect|rm|prune`, and `container cleanup`, the exit command a
// detached container's monitor runs once the container has ended.
import { help, str, UsageError } from '../toolkit/args.js';
import type { CommandDef } from '../toolkit/command.js';

const commands = () => import('./commands.js');

export const networkCommands: CommandDef[] = [
  {
    name: 'network',
    args: '[OPTIONS] COMMAND [NETWORK...]',
    desc: 'Manage networks: create, ls, inspect, rm, prune',
    options: [
      { long: 'driver', short: 'd', value: 'driver', desc: 'create: driver to manage the network (only "bridge")' },
      { long: 'subnet', value: 'CIDR', desc: 'create: subnet in CIDR format' },
      { long: 'gateway', value: 'ip', desc: 'create: IPv4 gateway for the subnet' },
      { long: 'ip-range', value: 'CIDR', desc: 'create: allocate container addresses from a sub-range' },
      { long: 'quiet', short: 'q', desc: 'ls: only display network IDs' },
      { long: 'force', short: 'f', desc: 'prune: do not prompt for confirmation' },
      help,
    ],
    root: true,
    readsOnly: (rest) => ['ls', 'list', 'inspect'].includes(rest[0]),
    interspersed: true,
    action: async (opts, rest, g) => {
      const [sub, ...names] = rest;
      const c = await commands();
      switch (sub) {
        case 'create': {
          if (names.length !== 1) throw new UsageError('"network create" requires exactly 1 argument: NETWORK');
          const driver = str(opts.driver) ?? 'bridge';
          if (driver !== 'bridge') throw new UsageError(`plugin "${driver}" not found: only the bridge driver exists`);
          return c.createCommand(g.root, { name: names[0], subnet: str(opts.subnet), gateway: str(opts.gateway), ipRange: str(opts['ip-range']) });
        }
        case 'ls':
        case 'list':
          return c.lsCommand(g.root, opts.quiet === true);
        case 'inspect':
          if (!names.length) throw new UsageError('"network inspect" requires at least 1 argument: NETWORK [NETWORK...]');
          return c.inspectCommand(g.root, names);
        case 'rm':
        case 'remove':
          if (!names.length) throw new UsageError('"network rm" requires at least 1 argument: NETWORK [NETWORK...]');
          return c.rmCommand(g.root, names);
        case 'prune':
          return c.pruneCommand(g.root);
        default:
          throw new UsageError(`"network" requires a command: create, ls, inspect, rm or prune`);
      }
    },
  },
  {
    name: 'container',
    args: 'cleanup CONTAINER',
    desc: "Release what an ended container held (its monitor's exit command)",
    options: [help],
    root: true,
    action: async (_opts, rest, g) => {
      if (rest[0] !== 'cleanup' || rest.length !== 2) throw new UsageError('"container" supports only: cleanup CONTAINER');
      return cleanup(g.root);
    },
  },
];

/** the sweep releases every ended container's network: running it is the cleanup */
async function cleanup(root: string): Promise<number> {
  const { withStore } = await import('../container/sweep.js');
  withStore(root, () => undefined);
  return 0;
}
