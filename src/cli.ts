// chapter: 01-namespaces
// The command line: docker's commands, flags and exit codes.
//   125  mydocker itself failed (bad flag, bad value, not root, …)
//   126  the command cannot be executed      127  the command was not found
//   otherwise the container's own status (128+N when killed by signal N)
import { mkdirSync, statSync } from 'node:fs';
import { list, parseOptions, UsageError, str, type OptSpec, type OptValues } from './cli/args.js';
import { RuntimeError } from './errors.js';
import { debugging, log, setLogLevel } from './log.js';
import { help, runOptions, runOptionsFrom } from './cli/run-options.js';

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
  /** flags may follow positional words (every command but run) */
  interspersed?: boolean;
  action(opts: OptValues, rest: string[], g: Globals): Promise<number>;
}

export const globalOptions: OptSpec[] = [
  { long: 'root', value: 'dir', desc: 'Where mydocker keeps its state (env MYDOCKER_ROOT, default /var/lib/mydocker)' },
  { long: 'log-level', short: 'l', value: 'level', desc: 'debug, info, warn, error or fatal (default warn)' },
  { long: 'debug', short: 'D', desc: 'Same as --log-level debug' },
  { long: 'version', short: 'v', desc: 'Print the version' },
  help,
];

// <chapter 03-rootfs>
const imageOptions: OptSpec[] = [
  { long: 'change', short: 'c', value: 'instruction', repeat: true, desc: 'Apply a Dockerfile instruction: CMD, ENTRYPOINT, ENV, WORKDIR, USER' },
  { long: 'message', short: 'm', value: 'text', desc: 'Commit message' },
  help,
];
// </chapter 03-rootfs>

const commands: CommandDef[] = [
  {
    name: 'run',
    args: '[OPTIONS] [IMAGE] COMMAND [ARG...]',
    desc: 'Run a command in a new container',
    options: runOptions,
    root: true,
    // each command loads its code only when it runs: start-up stays small
    action: async (opts, rest, g) => (await import('./run.js')).run(g.root, runOptionsFrom(opts, rest)),
  },
  // <chapter 03-rootfs>
  {
    name: 'import',
    args: '[OPTIONS] FILE|- [REPOSITORY[:TAG]]',
    desc: 'Import a root filesystem tarball (plain or gzip) as a one-layer image',
    options: imageOptions,
    root: true,
    interspersed: true,
    action: async (opts, rest, g) => (await import('./image/commands.js')).importCommand(g.root, rest, list(opts.change), str(opts.message)),
  },
  {
    name: 'commit',
    args: '[OPTIONS] CONTAINER [REPOSITORY[:TAG]]',
    desc: "Create a new image from a container's changes",
    options: imageOptions,
    root: true,
    interspersed: true,
    action: async (opts, rest, g) => (await import('./image/commands.js')).commitCommand(g.root, rest, list(opts.change), str(opts.message)),
  },
  {
    name: 'images',
    args: '[OPTIONS] [REPOSITORY[:TAG]]',
    desc: 'List images',
    options: [{ long: 'quiet', short: 'q', desc: 'Only show image IDs' }, help],
    root: true,
    interspersed: true,
    action: async (opts, rest, g) => (await import('./image/commands.js')).imagesCommand(g.root, rest, opts.quiet === true),
  },
  {
    name: 'rmi',
    args: '[OPTIONS] IMAGE [IMAGE...]',
    desc: 'Remove one or more images',
    options: [{ long: 'force', short: 'f', desc: 'Remove the image even if a container uses it (it stays, untagged, until then)' }, help],
    root: true,
    interspersed: true,
    action: async (opts, rest, g) => (await import('./image/commands.js')).rmiCommand(g.root, rest, opts.force === true),
  },
  // </chapter 03-rootfs>
];

async function printHelp(command?: CommandDef): Promise<void> {
  const { cac } = await import('cac'); // only the help path pays for it
  const cli = cac('mydocker');
  for (const o of globalOptions) if (o !== help) cli.option(rawName(o), o.desc); // cac adds its own --help
  for (const c of commands) {
    // cac takes every word outside <> or [] as part of the command's name
    const args = c.args.replace(/\[OPTIONS\] ?/, '').split(' ').filter(Boolean).map((w) => (/^[[<]/.test(w) ? w : `<${w}>`));
    const cmd = cli.command([c.name, ...args].join(' '), c.desc);
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
  helpOf = command?.name;
  if (!name || g.opts.help) {
    await printHelp();
    return 0;
  }
  if (!command) throw new UsageError(`'${name}' is not a mydocker command. See 'mydocker --help'`);
  const { opts, rest } = parseOptions(args, command.options, command.interspersed);
  if (opts.help) {
    await printHelp(command);
    return 0;
  }
  if (command.root && process.getuid?.() !== 0) throw new RuntimeError(`"${name}" needs root: run it with sudo`);
  const root = str(g.opts.root) ?? (process.env.MYDOCKER_ROOT || '/var/lib/mydocker');
  if (command.root) makeRoot(root);
  return command.action(opts, rest, { root });
}

/** the state folder, made on first use; a path that cannot be one is a one-line error */
function makeRoot(root: string): void {
  if (root === '') throw new RuntimeError('invalid argument "" for "--root" flag: the path is empty');
  try {
    mkdirSync(root, { recursive: true, mode: 0o711 });
    if (!statSync(root).isDirectory()) throw Object.assign(new Error(), { code: 'ENOTDIR' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'not a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new RuntimeError(`cannot use "${root}" as the root directory: ${why}`);
  }
}

/** the command whose help a usage error points to (docker: "See 'docker run --help'.") */
let helpOf: string | undefined;

/** every failure is one line; only with -D does an unexpected error show its stack */
function errorLine(e: unknown): string {
  if (e instanceof UsageError) return /See '/.test(e.message) ? e.message : `${e.message.replace(/\.$/, '')}. See 'mydocker ${helpOf ? `${helpOf} ` : ''}--help'.`;
  if (e instanceof RuntimeError) return e.message;
  if (debugging()) return String((e as Error)?.stack ?? e);
  return String((e as Error)?.message ?? e).split('\n')[0];
}

main(process.argv.slice(2)).then(
  (status) => exit(status),
  (e: unknown) => {
    process.stderr.write(`mydocker: ${errorLine(e)}\n`);
    exit(e instanceof RuntimeError ? e.status : 125);
  },
);

/** exit once everything written so far has reached stdout and stderr */
function exit(status: number): void {
  log.debug(`exit status ${status}`);
  process.exitCode = status;
  process.stdout.write('', () => process.stderr.write('', () => process.exit(status)));
}
