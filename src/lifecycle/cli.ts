// chapter: 05-lifecycle step 5.1
// The lifecycle commands of the command line. Each loads its code only when it runs.
import { help, list, str, UsageError, type OptSpec } from '../toolkit/args.js';
import type { CommandDef } from '../toolkit/command.js';
// <step 5.5>
import { runOptions, runOptionsFrom } from '../cli/run-options.js';
// </step 5.5>

const commands = () => import('./commands.js');
// <step 5.2>
const signals = () => import('./signal.js');
// </step 5.2>
// <step 5.5>
const starts = () => import('./start.js');
// </step 5.5>

function needOne(rest: string[], name: string, what = 'CONTAINER [CONTAINER...]'): void {
  if (rest.length === 0) throw new UsageError(`"${name}" requires at least 1 argument: ${what}`);
}

// <step 5.2>
function count(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`invalid value "${value}" for ${flag}: a number of ${flag === '--tail' ? 'lines' : 'seconds'}`);
  return Number(value);
}
// </step 5.2>

const psOptions: OptSpec[] = [
  { long: 'all', short: 'a', desc: 'Show all containers (default shows just running)' },
  { long: 'quiet', short: 'q', desc: 'Only display container IDs' },
  { long: 'no-trunc', desc: "Don't truncate output" },
  // <step 5.4>
  { long: 'filter', short: 'f', value: 'filter', repeat: true, desc: 'Filter output: status=…, name=…, id=…, exited=… (repeatable)' },
  // </step 5.4>
  help,
];

export const lifecycleCommands: CommandDef[] = [
  {
    name: 'ps',
    args: '[OPTIONS]',
    desc: 'List containers',
    options: psOptions,
    root: true,
    readsOnly: true,
    interspersed: true,
    action: async (opts, _rest, g) => (await commands()).psCommand(g.root, {
        all: opts.all === true,
        quiet: opts.quiet === true,
        noTrunc: opts['no-trunc'] === true,
        filters: list(opts.filter),
      }),
  },
  // <step 5.2>
  {
    name: 'logs',
    args: '[OPTIONS] CONTAINER',
    desc: 'Fetch the logs of a container',
    options: [
      { long: 'follow', short: 'f', desc: 'Follow log output until the container exits' },
      { long: 'tail', short: 'n', value: 'N', desc: 'Number of lines to show from the end of the logs (default "all")' },
      { long: 'timestamps', short: 't', desc: 'Show timestamps' },
      // </step 5.2>
      // <step 5.4>
      { long: 'since', value: 'time', desc: 'Show logs since a time (2026-12-01T10:00:00Z, a Unix time) or for a duration back (10m)' },
      { long: 'until', value: 'time', desc: 'Show logs before a time, in the same forms' },
      // </step 5.4>
      // <step 5.2>
      help,
    ],
    root: true,
    readsOnly: true,
    interspersed: true,
    action: async (opts, rest, g) => {
      if (rest.length !== 1) throw new UsageError('"logs" requires exactly 1 argument: CONTAINER');
      const tail = str(opts.tail);
      // </step 5.2>
      // <step 5.4>
      const { parseTimestamp } = await import('./since.js');
      const [since, until] = [str(opts.since), str(opts.until)];
      // </step 5.4>
      // <step 5.2>
      return (await import('./logs.js')).logsCommand(g.root, rest[0], {
        // </step 5.2>
        // <step 5.4>
        since: since === undefined ? undefined : parseTimestamp(since, '--since'),
        until: until === undefined ? undefined : parseTimestamp(until, '--until'),
        // </step 5.4>
        // <step 5.2>
        follow: opts.follow === true,
        tail: tail === undefined || tail === 'all' ? undefined : count(tail, '--tail', 0),
        timestamps: opts.timestamps === true,
      });
    },
  },
  // </step 5.2>
  // <step 5.6>
  {
    name: 'exec',
    args: '[OPTIONS] CONTAINER COMMAND [ARG...]',
    desc: 'Execute a command in a running container',
    options: [
      { long: 'detach', short: 'd', desc: 'Detached mode: run command in the background' },
      { long: 'env', short: 'e', value: 'KEY=VALUE', repeat: true, desc: 'Set environment variables' },
      { long: 'interactive', short: 'i', desc: 'Keep STDIN open even if not attached' },
      { long: 'tty', short: 't', desc: 'Allocate a pseudo-TTY' },
      { long: 'user', short: 'u', value: 'name|uid[:group|gid]', desc: 'Username or UID (format: "<name|uid>[:<group|gid>]")' },
      { long: 'workdir', short: 'w', value: 'dir', desc: 'Working directory inside the container' },
      help,
    ],
    root: true,
    // flags end at CONTAINER: what follows is the command's (`exec c ls -la`)
    action: async (opts, rest, g) => {
      if (rest.length < 2) throw new UsageError('"exec" requires at least 2 arguments: CONTAINER COMMAND [ARG...]');
      const env = list(opts.env);
      for (const kv of env) if (kv === '' || kv.startsWith('=')) throw new UsageError(`invalid environment variable "${kv}"`);
      const workdir = str(opts.workdir);
      if (workdir !== undefined && !workdir.startsWith('/')) throw new UsageError(`the working directory '${workdir}' is invalid, it needs to be an absolute path`);
      return (await import('./exec.js')).execCommand(g.root, rest[0], {
        interactive: opts.interactive === true,
        tty: opts.tty === true,
        detach: opts.detach === true,
        env,
        workdir,
        user: str(opts.user),
        command: rest.slice(1),
      });
    },
  },
  // </step 5.6>
  // <step 5.3>
  {
    name: 'stop',
    args: '[OPTIONS] CONTAINER [CONTAINER...]',
    desc: 'Stop one or more running containers (SIGTERM, then SIGKILL after a grace period)',
    options: [{ long: 'time', short: 't', value: 'seconds', desc: 'Seconds to wait before killing the container (default 10)' }, help],
    root: true,
    interspersed: true,
    action: async (opts, rest, g) => {
      needOne(rest, 'stop');
      return (await signals()).stopCommand(g.root, rest, count(str(opts.time), '--time', 10));
    },
  },
  // </step 5.3>
  // <step 5.2>
  {
    name: 'kill',
    args: '[OPTIONS] CONTAINER [CONTAINER...]',
    desc: 'Kill one or more running containers',
    options: [{ long: 'signal', short: 's', value: 'signal', desc: 'Signal to send to the container (default "KILL")' }, help],
    root: true,
    interspersed: true,
    action: async (opts, rest, g) => {
      needOne(rest, 'kill');
      return (await signals()).killCommand(g.root, rest, str(opts.signal) ?? 'KILL');
    },
  },
  // </step 5.2>
  {
    name: 'rm',
    args: '[OPTIONS] CONTAINER [CONTAINER...]',
    desc: 'Remove one or more containers',
    options: [
      { long: 'force', short: 'f', desc: 'Force the removal of a running container (uses SIGKILL)' },
      // <step 5.4>
      // docker's -v removes anonymous volumes; mydocker's volumes are all named or bind mounts (chapter 03), and those stay
      { long: 'volumes', short: 'v', desc: 'Remove anonymous volumes (mydocker makes none: named volumes stay, as docker keeps them)' },
      // </step 5.4>
      help,
    ],
    root: true,
    interspersed: true,
    action: async (opts, rest, g) => {
      needOne(rest, 'rm');
      return (await commands()).rmCommand(g.root, rest, opts.force === true);
    },
  },
  {
    name: 'inspect',
    args: '[OPTIONS] CONTAINER [CONTAINER...]',
    desc: 'Display detailed information on one or more containers',
    options: [{ long: 'format', short: 'f', value: 'template', desc: "Format the output using a Go template subset: '{{.State.Status}}', '{{json .Config}}'" }, help],
    root: true,
    readsOnly: true,
    interspersed: true,
    action: async (opts, rest, g) => {
      needOne(rest, 'inspect');
      return (await import('./inspect.js')).inspectCommand(g.root, rest, str(opts.format));
    },
  },
  // <step 5.2>
  {
    name: 'wait',
    args: 'CONTAINER [CONTAINER...]',
    desc: 'Block until one or more containers stop, then print their exit codes',
    options: [help],
    root: true,
    readsOnly: true,
    interspersed: true,
    action: async (_opts, rest, g) => {
      needOne(rest, 'wait');
      return (await commands()).waitCommand(g.root, rest);
    },
  },
  // </step 5.2>
  // <step 5.5>
  {
    name: 'create',
    args: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
    desc: 'Create a new container (status "created"; start runs it)',
    options: runOptions,
    root: true,
    action: async (opts, rest, g) => (await starts()).createCommand(g.root, runOptionsFrom(opts, rest)),
  },
  {
    name: 'start',
    args: '[OPTIONS] CONTAINER [CONTAINER...]',
    desc: 'Start one or more stopped containers',
    options: [
      { long: 'attach', short: 'a', desc: "Attach STDOUT/STDERR (the container runs as a child of this CLI) and exit with the container's status" },
      { long: 'interactive', short: 'i', desc: "Attach container's STDIN" },
      help,
    ],
    root: true,
    interspersed: true,
    action: async (opts, rest, g) => {
      needOne(rest, 'start');
      return (await starts()).startCommand(g.root, rest, { attach: opts.attach === true, interactive: opts.interactive === true });
    },
  },
  {
    name: 'restart',
    args: '[OPTIONS] CONTAINER [CONTAINER...]',
    desc: 'Restart one or more containers',
    options: [{ long: 'time', short: 't', value: 'seconds', desc: 'Seconds to wait before killing the container (default 10)' }, help],
    root: true,
    interspersed: true,
    action: async (opts, rest, g) => {
      needOne(rest, 'restart');
      return (await starts()).restartCommand(g.root, rest, count(str(opts.time), '--time', 10));
    },
  },
  // </step 5.5>
  // <step 5.4>
  {
    name: 'rename',
    args: 'CONTAINER NEW_NAME',
    desc: 'Rename a container',
    options: [help],
    root: true,
    interspersed: true,
    action: async (_opts, rest, g) => {
      if (rest.length !== 2) throw new UsageError('"rename" requires exactly 2 arguments: CONTAINER NEW_NAME');
      return (await commands()).renameCommand(g.root, rest[0], rest[1]);
    },
  },
  {
    name: 'container',
    args: 'prune [OPTIONS]',
    desc: 'Manage containers: prune removes all stopped containers',
    options: [{ long: 'force', short: 'f', desc: 'Do not prompt for confirmation' }, help],
    root: true,
    interspersed: true,
    action: async (opts, rest, g) => {
      if (rest[0] !== 'prune' || rest.length !== 1) throw new UsageError('usage: mydocker container prune [-f]');
      if (opts.force !== true && !(await confirm('WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] '))) return 0;
      return (await commands()).pruneCommand(g.root);
    },
  },
  // </step 5.4>
];

// <step 5.4>
/** docker's prompt: yes only for y or Y */
async function confirm(question: string): Promise<boolean> {
  process.stdout.write(question);
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: process.stdin });
  const line = await new Promise<string>((resolve) => {
    rl.once('line', resolve);
    rl.once('close', () => resolve(''));
  });
  rl.close();
  return /^y(es)?$/i.test(line.trim());
}
// </step 5.4>
