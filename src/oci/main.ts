// chapter: 08-oci step 8.1
// bin/mydocker-runc: a runc-compatible command line over chapters 01-05, the runtime
// containerd's shim drives (`ctr run --runc-binary bin/mydocker-runc …`). runc's
// grammar: global flags, the command, its flags, then the container's id.
//   mydocker-runc [--root DIR] [--log FILE] [--log-format text|json] COMMAND [FLAGS] ID
// An error is one line on stderr and, with --log, one line in the log file (the shim
// reads the last error from there: {"level":"error","msg":…,"time":…}); exit status 1.
const { appendFileSync } = process.getBuiltinModule('node:fs');
import { printable, RuntimeError } from '../errors.js';
import { OciContainer } from './container.js';

const DEFAULT_ROOT = '/run/mydocker-runc';

interface Flags {
  values: Map<string, string>;
  bools: Set<string>;
  rest: string[];
}

/** flags first (--name value, --name=value, -x value), then positional arguments */
function parse(argv: string[], valued: string[], bools: string[], aliases: Record<string, string> = {}): Flags {
  const f: Flags = { values: new Map(), bools: new Set(), rest: [] };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    let name = a.replace(/^--?/, '');
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) [name, value] = [name.slice(0, eq), name.slice(eq + 1)];
    name = aliases[name] ?? name;
    if (valued.includes(name)) {
      value ??= argv[++i];
      if (value === undefined) throw new RuntimeError(`flag needs an argument: --${name}`, 'usage');
      f.values.set(name, value);
    } else if (bools.includes(name)) {
      if (value === undefined || value === 'true') f.bools.add(name);
    } else throw new RuntimeError(`flag provided but not defined: -${name}`, 'usage');
  }
  f.rest = argv.slice(i);
  return f;
}

const COMMANDS: Record<string, { valued: string[]; bools: string[]; aliases?: Record<string, string>; args: [min: number, max: number] }> = {
  create: { valued: ['bundle', 'pid-file', 'console-socket', 'preserve-fds'], bools: ['no-pivot', 'no-new-keyring'], aliases: { b: 'bundle' }, args: [1, 1] },
  start: { valued: [], bools: [], args: [1, 1] },
  state: { valued: [], bools: [], args: [1, 1] },
  kill: { valued: [], bools: ['all'], aliases: { a: 'all' }, args: [1, 2] },
  delete: { valued: [], bools: ['force'], aliases: { f: 'force' }, args: [1, 1] },
  ps: { valued: ['format'], bools: [], aliases: { f: 'format' }, args: [1, 64] },
  features: { valued: [], bools: [], args: [0, 0] },
  // <step 8.7>
  pause: { valued: [], bools: [], args: [1, 1] },
  resume: { valued: [], bools: [], args: [1, 1] },
  update: { valued: ['resources', 'memory', 'cpu-shares', 'cpu-quota', 'cpu-period', 'pids-limit'], bools: [], aliases: { r: 'resources' }, args: [1, 1] },
  // </step 8.7>
  // <step 8.5>
  exec: { valued: ['process', 'pid-file', 'console-socket', 'cwd', 'user', 'env', 'cap', 'preserve-fds'], bools: ['detach', 'tty', 'no-new-privs'], aliases: { p: 'process', d: 'detach', t: 'tty', u: 'user', e: 'env', c: 'cap' }, args: [1, 64] },
  // </step 8.5>
};

async function main(argv: string[]): Promise<number> {
  const g = parse(argv, ['root', 'log', 'log-format', 'criu', 'rootless'], ['debug', 'systemd-cgroup', 'help', 'version']);
  logFile = g.values.get('log');
  logFormat = g.values.get('log-format') ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') throw new RuntimeError(`invalid log-format: ${logFormat}`, 'usage');
  if (g.bools.has('systemd-cgroup')) throw new RuntimeError('--systemd-cgroup is not supported: cgroups are managed through cgroupfs (leave SystemdCgroup off in containerd)', 'usage');
  if (g.bools.has('version')) {
    process.stdout.write('mydocker-runc version 0.1.0\nspec: 1.0.2\n');
    return 0;
  }
  const [command, ...rest] = g.rest;
  const spec = command ? COMMANDS[command] : undefined;
  if (!spec) throw new RuntimeError(command ? `No help topic for '${command}'` : 'usage: mydocker-runc [--root DIR] [--log FILE] [--log-format text|json] COMMAND [FLAGS] ID', 'usage');
  const f = parse(rest, spec.valued, spec.bools, spec.aliases);
  if (f.rest.length < spec.args[0] || f.rest.length > spec.args[1]) throw new RuntimeError(`"${command}" requires ${spec.args[0] === spec.args[1] ? 'exactly' : 'at least'} ${spec.args[0]} argument(s)`, 'usage');
  const root = g.values.get('root') ?? DEFAULT_ROOT;
  const id = f.rest[0];
  if (id !== undefined && !/^[\w+\-.]+$/.test(id)) throw new RuntimeError(`invalid id format: ${id}`, 'usage');
  const c = new OciContainer(root, id);
  const cmds = await import('./commands.js');
  switch (command) {
    case 'create': {
      const { create } = await import('./create.js');
      if (f.values.get('preserve-fds') && f.values.get('preserve-fds') !== '0') throw new RuntimeError('--preserve-fds is not supported', 'usage');
      await create(c, { bundle: f.values.get('bundle') ?? '.', pidFile: f.values.get('pid-file'), consoleSocket: f.values.get('console-socket'), noPivot: f.bools.has('no-pivot'), warn: (m) => logLine('warning', m) });
      return 0;
    }
    case 'start':
      await cmds.start(c);
      return 0;
    case 'state':
      process.stdout.write(cmds.state(c) + '\n');
      return 0;
    // <step 8.7>
    case 'pause':
      await cmds.pause(c);
      return 0;
    case 'resume':
      await cmds.resume(c);
      return 0;
    case 'update': {
      const { update } = await import('./update.js');
      update(c, f.values);
      return 0;
    }
    // </step 8.7>
    case 'kill':
      await cmds.kill(c, f.rest[1] ?? 'SIGTERM', f.bools.has('all'));
      return 0;
    case 'delete':
      await cmds.remove(c, f.bools.has('force'));
      return 0;
    case 'ps':
      process.stdout.write(cmds.ps(c, f.values.get('format') === 'json') + '\n');
      return 0;
    case 'features':
      process.stdout.write(cmds.features() + '\n');
      return 0;
    // <replaced-by 8.5>
    //~ default:
    //~   throw new RuntimeError(`${command}: arrives in a later step`, 'usage');
    // </replaced-by 8.5>
    // <step 8.5>
    default: {
      // exec: what containerd's shim sends for `ctr task exec`
      if (!f.values.get('process')) throw new RuntimeError('exec needs --process FILE (the runtime-spec process to run)', 'usage');
      for (const flag of ['cwd', 'user', 'env', 'cap']) if (f.values.has(flag)) throw new RuntimeError(`--${flag} is not supported: give it in the --process file`, 'usage');
      if (f.values.get('preserve-fds') && f.values.get('preserve-fds') !== '0') throw new RuntimeError('--preserve-fds is not supported', 'usage');
      const { ociExec } = await import('./exec.js');
      return ociExec(c, { process: f.values.get('process')!, detach: f.bools.has('detach'), pidFile: f.values.get('pid-file'), consoleSocket: f.values.get('console-socket') });
    }
    // </step 8.5>
  }
}

let logFile: string | undefined;
let logFormat = 'text';

/** runc's log line: the shim shows the last "error" of the JSON log as the reason */
export function logLine(level: 'error' | 'warning', msg: string): void {
  if (!logFile) return;
  const time = new Date().toISOString();
  // <replaced-by 8.4>
  //~ const line = `time="${time}" level=${level} msg=${JSON.stringify(msg)}`; // --log-format json: step 8.4
  // </replaced-by 8.4>
  // <step 8.4>
  const line = logFormat === 'json' ? JSON.stringify({ level, msg, time }) : `time="${time}" level=${level} msg=${JSON.stringify(msg)}`;
  // </step 8.4>
  try {
    appendFileSync(logFile, line + '\n');
  } catch {
    // no log to write to: stderr still says it
  }
}

main(process.argv.slice(2)).then(
  (status) => exit(status),
  (e: unknown) => {
    const msg = e instanceof RuntimeError || e instanceof Error ? (e as Error).message.split('\n')[0] : String(e);
    logLine('error', msg);
    process.stderr.write(`mydocker-runc: ${printable(msg)}\n`);
    exit(1);
  },
);

function exit(status: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(status)));
}
