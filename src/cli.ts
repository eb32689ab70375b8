// chapter: 01-namespaces
// The command line: docker's commands, flags and exit codes.
//   125  mydocker itself failed (bad flag, bad value, not root, …)
//   126  the command cannot be executed      127  the command was not found
//   otherwise the container's own status (128+N when killed by signal N)
import { mkdirSync } from 'node:fs';
import { parseOptions, UsageError, list, str, type OptSpec, type OptValues } from './cli/args.js';
import { RuntimeError } from './errors.js';
import { log, setLogLevel } from './log.js';
import { run, type RunOptions } from './run.js';

const VERSION = '0.1.0';

export interface Globals {
  root: string;
}

interface CommandDef {
  name: string;
  args: string;
  desc: string;
  options: OptSpec[];
  /** needs root (namespaces, mounts, cgroups) */
  root: boolean;
  action(opts: OptValues, rest: string[], g: Globals): Promise<number>;
}

const help: OptSpec = { long: 'help', desc: 'Print usage' };

export const globalOptions: OptSpec[] = [
  { long: 'root', value: 'dir', desc: 'Where mydocker keeps its state (env MYDOCKER_ROOT, default /var/lib/mydocker)' },
  { long: 'log-level', short: 'l', value: 'level', desc: 'debug, info, warn, error or fatal (default warn)' },
  { long: 'debug', short: 'D', desc: 'Same as --log-level debug' },
  { long: 'version', short: 'v', desc: 'Print the version' },
  help,
];

export const runOptions: OptSpec[] = [
  { long: 'interactive', short: 'i', desc: "Keep STDIN open (otherwise it is /dev/null)" },
  { long: 'tty', short: 't', desc: 'Allocate a pseudo-TTY' },
  { long: 'hostname', short: 'h', value: 'name', desc: 'Container host name (default: the short container id)' },
  { long: 'env', short: 'e', value: 'KEY=VALUE', repeat: true, desc: 'Set an environment variable (repeatable)' },
  // <chapter 03-rootfs>
  { long: 'name', value: 'name', desc: 'Assign a name to the container' },
  { long: 'rm', desc: 'Remove the container when it exits' },
  { long: 'volume', short: 'v', value: 'src:dst[:ro]', repeat: true, desc: 'Bind a host path or a named volume (repeatable)' },
  { long: 'workdir', short: 'w', value: 'dir', desc: 'Working directory inside the container' },
  { long: 'entrypoint', value: 'cmd', desc: "Overwrite the image's ENTRYPOINT" },
  // </chapter 03-rootfs>
  help,
];

const commands: CommandDef[] = [
  {
    name: 'run',
    args: '[OPTIONS] [IMAGE] COMMAND [ARG...]',
    desc: 'Run a command in a new container',
    options: runOptions,
    root: true,
    action: async (opts, rest, g) => run(g.root, runOptionsFrom(opts, rest)),
  },
];

const HOSTNAME_RE = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,61}[A-Za-z0-9])?$/;

/** turn parsed flags and the words after them into RunOptions, or say what is wrong */
export function runOptionsFrom(opts: OptValues, rest: string[]): RunOptions {
  if (rest.length === 0) throw new UsageError('"run" requires at least 1 argument: [IMAGE] COMMAND [ARG...]');
  // <replaced-by 03-rootfs>
  //~ if (!rest[0].startsWith('/')) throw new UsageError(`image "${rest[0]}": images arrive in chapter 03; give COMMAND as an absolute path`);
  // </replaced-by 03-rootfs>
  // <chapter 03-rootfs>
  // a first word that is an absolute path is chapter 01's COMMAND on the host's files
  const image = rest[0].startsWith('/') ? undefined : rest[0];
  const workdir = str(opts.workdir);
  if (workdir !== undefined && !workdir.startsWith('/')) throw new UsageError(`the working directory "${workdir}" is invalid: it needs to be an absolute path`);
  // </chapter 03-rootfs>
  const hostname = str(opts.hostname);
  if (hostname !== undefined && !HOSTNAME_RE.test(hostname)) throw new UsageError(`invalid hostname "${hostname}"`);
  for (const kv of list(opts.env)) {
    if (kv === '' || kv.startsWith('=')) throw new UsageError(`invalid environment variable "${kv}"`);
  }
  return {
    // <replaced-by 03-rootfs>
    //~ command: rest,
    // </replaced-by 03-rootfs>
    interactive: opts.interactive === true,
    tty: opts.tty === true,
    hostname,
    env: list(opts.env),
    // <chapter 03-rootfs>
    image,
    command: image ? rest.slice(1) : rest,
    name: str(opts.name),
    rm: opts.rm === true,
    volumes: list(opts.volume),
    workdir,
    entrypoint: str(opts.entrypoint),
    // </chapter 03-rootfs>
  };
}

async function printHelp(command?: CommandDef): Promise<void> {
  const { cac } = await import('cac'); // only the help path pays for it
  const cli = cac('mydocker');
  for (const o of globalOptions) cli.option(rawName(o), o.desc);
  for (const c of commands) {
    const cmd = cli.command(`${c.name} ${c.args}`.replace(/\[OPTIONS\] /, ''), c.desc);
    for (const o of c.options) if (o !== help) cmd.option(rawName(o), o.desc);
  }
  cli.help();
  cli.version(VERSION);
  cli.parse(['node', 'mydocker', ...(command ? [command.name] : []), '--help'], { run: false });
}

function rawName(o: OptSpec): string {
  return `${o.short ? `-${o.short}, ` : ''}--${o.long}${o.value ? ` <${o.value}>` : ''}`;
}

export async function main(argv: string[]): Promise<number> {
  const g = parseOptions(argv, globalOptions);
  if (g.opts.debug) setLogLevel('debug');
  const level = str(g.opts['log-level']);
  if (level) setLogLevel(level);
  if (g.opts.version) {
    process.stdout.write(`mydocker version ${VERSION}\n`);
    return 0;
  }
  const [name, ...args] = g.rest;
  const command = commands.find((c) => c.name === name);
  if (!name || g.opts.help) {
    await printHelp();
    return 0;
  }
  if (!command) throw new UsageError(`'${name}' is not a mydocker command. See 'mydocker --help'`);
  const { opts, rest } = parseOptions(args, command.options);
  if (opts.help) {
    await printHelp(command);
    return 0;
  }
  if (command.root && process.getuid?.() !== 0) throw new RuntimeError(`"${name}" needs root: run it with sudo`);
  const root = str(g.opts.root) ?? process.env.MYDOCKER_ROOT ?? '/var/lib/mydocker';
  if (command.root) mkdirSync(root, { recursive: true, mode: 0o711 });
  return command.action(opts, rest, { root });
}

main(process.argv.slice(2)).then(
  (status) => exit(status),
  (e: unknown) => {
    const status = e instanceof RuntimeError ? e.status : 125;
    const message = e instanceof UsageError || e instanceof RuntimeError ? e.message : String((e as Error)?.stack ?? e);
    process.stderr.write(`mydocker: ${message}\n`);
    exit(status);
  },
);

/** exit once everything written so far has reached stdout and stderr */
function exit(status: number): void {
  log.debug(`exit status ${status}`);
  process.exitCode = status;
  process.stdout.write('', () => process.stderr.write('', () => process.exit(status)));
}
