// chapter: 01-namespaces
// The command line: docker's commands, flags and exit codes. Importing this file
// runs nothing (src/cli.ts is the entry); the commands, each feature's own, are in
// commands.ts, loaded once the global flags are read.
const { mkdirSync, readdirSync, statSync } = process.getBuiltinModule('node:fs');
import { help, parseOptions, UsageError, str, type OptSpec, type OptValues } from '../toolkit/args.js';
import { RuntimeError } from '../errors.js';
import { setLogLevel, trace } from '../log.js';
import type { CommandDef } from '../toolkit/command.js';

const VERSION = '0.1.0';

const globalOptions: OptSpec[] = [
  { long: 'root', value: 'dir', desc: 'Where mydocker keeps its state (env MYDOCKER_ROOT, default /var/lib/mydocker)' },
  { long: 'log-level', short: 'l', value: 'level', desc: 'debug, info, warn, error or fatal (default warn)' },
  { long: 'debug', short: 'D', desc: 'Same as --log-level debug' },
  { long: 'version', short: 'v', desc: 'Print the version' },
  help,
];

async function printHelp(command?: CommandDef): Promise<void> {
  const { cac } = await import('cac'); // only the help path pays for it
  const { commands } = await import('./commands.js');
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
  const { commands } = await import('./commands.js');
  trace('commands loaded');
  const command = commands.find((c) => c.name === name);
  if (!name || g.opts.help) {
    await printHelp();
    return 0;
  }
  if (!command) throw new UsageError(`'${name}' is not a mydocker command. See 'mydocker --help'`);
  try {
    return await runCommand(command, args, g.opts);
  } catch (e) {
    if (e instanceof UsageError) e.command ??= command.name; // docker: "See 'docker run --help'."
    throw e;
  }
}

async function runCommand(command: CommandDef, args: string[], globals: OptValues): Promise<number> {
  const { opts, rest } = parseOptions(args, command.options, command.interspersed);
  if (opts.help) {
    await printHelp(command);
    return 0;
  }
  // <step 1.7>
  if (command.root && process.getuid?.() !== 0) throw new RuntimeError(`"${command.name}" needs root: run it with sudo`);
  // </step 1.7>
  const root = str(globals.root) ?? (process.env.MYDOCKER_ROOT || '/var/lib/mydocker');
  const writes = !(typeof command.readsOnly === 'function' ? command.readsOnly(rest) : command.readsOnly);
  if (command.root) useRoot(root, writes);
  // <step 4.6>
  if (command.root && writes) (await import('../security/store-perms.js')).makeStorePrivate(root); // 0710/0700, as docker's
  // </step 4.6>
  trace('store opened');
  return command.action(opts, rest, { root });
}

/** what any chapter keeps at the top of the state folder: a folder holding one of these (or nothing) is a store */
const STORE_ENTRIES = ['containers', 'images', 'volumes', 'networks'];

/**
 * The state folder. A command that writes makes it on first use; one that only reads
 * never makes or changes it (without a store there is nothing to show). A folder that
 * already holds something else (`--root /etc`) is refused and left as it is: chapter
 * 04 makes the root 0710, and /etc so would lock its users out. A path that cannot be
 * a folder is a one-line error too.
 */
export function useRoot(root: string, writes: boolean): void {
  if (root === '') throw new RuntimeError('invalid argument "" for "--root" flag: the path is empty', 'usage');
  const refuse = (why: string, cause?: unknown) => new RuntimeError(`cannot use "${root}" as the root directory: ${why}`, 'runtime', { cause });
  let entries: string[];
  try {
    if (!statSync(root).isDirectory()) throw refuse('not a directory');
    entries = readdirSync(root);
  } catch (e) {
    if (e instanceof RuntimeError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !writes) return; // nothing stored yet: the command finds nothing
    if (code === 'ENOENT') return makeRoot(root, refuse);
    throw refuse(code === 'ENOTDIR' ? 'not a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message, e);
  }
  if (entries.length && !entries.some((e) => STORE_ENTRIES.includes(e))) {
    throw refuse(`it is not empty and not a mydocker store (none of ${STORE_ENTRIES.join(', ')} in it)`);
  }
}

function makeRoot(root: string, refuse: (why: string, cause?: unknown) => RuntimeError): void {
  try {
    mkdirSync(root, { recursive: true, mode: 0o711 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw refuse(code === 'EEXIST' || code === 'ENOTDIR' ? 'not a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message, e);
  }
}
