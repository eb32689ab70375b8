// chapter: 09-daemon
// bin/mydockerd: the daemon, a front door over the same core as the CLI. It serves
// the Docker Engine API on a unix socket that only root (and --group) may open:
// whoever can talk to it can run any container, so it is as good as root.
//   mydockerd [-H unix:///run/mydocker.sock | -H tcp://127.0.0.1:PORT] [--root DIR]
//             [--pidfile FILE] [--group GROUP] [--bridge none] [-D]
// One daemon per store (a lock beside the containers). SIGTERM (and ^C) stops it:
// socket and pidfile go, the containers stay (they run under their monitors).
// SIGHUP is ignored.
const { chmodSync, chownSync, closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } = process.getBuiltinModule('node:fs');
import { isIP } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { help, list, parseOptions, str, UsageError, type OptSpec } from '../toolkit/args.js';
import { printable, RuntimeError } from '../errors.js';
import { debugging, log, setLogLevel } from '../log.js';
import { LOCK_NB_EX, native } from '../native.js';
import { useRoot } from '../cli/main.js';
import '../cli/commands.js'; // what the sweep gives back when a container ends (its reclaim hooks), as for the CLI
import { makeStorePrivate } from '../security/store-perms.js';
import { restoreAutoRemove } from './autoremove.js';
import { apiServer } from './server.js';
import { ENGINE_VERSION } from './version.js';

const options: OptSpec[] = [
  { long: 'host', short: 'H', value: 'socket', desc: 'Daemon socket to listen on: unix:///run/mydocker.sock (default) or tcp://127.0.0.1:PORT' },
  { long: 'root', value: 'dir', desc: 'Where mydocker keeps its state, shared with the CLI (env MYDOCKER_ROOT, default /var/lib/mydocker)' },
  { long: 'pidfile', short: 'p', value: 'file', desc: 'Path for the daemon PID file (default /run/mydockerd.pid)' },
  { long: 'group', short: 'G', value: 'group', desc: 'Group that may use the unix socket (default docker; without it only root)' },
  { long: 'cgroup-parent', value: 'path', desc: 'Parent cgroup for containers that name none (default mydocker)' },
  { long: 'bridge', short: 'b', value: 'name', desc: '"none": containers get no network unless they ask for one' },
  { long: 'insecure-registry', value: 'host[:port]', repeat: true, desc: 'A registry that may be reached over plain HTTP' },
  { long: 'debug', short: 'D', desc: 'Enable debug mode' },
  { long: 'log-level', short: 'l', value: 'level', desc: 'debug, info, warn, error or fatal (default warn)' },
  { long: 'tls', desc: 'Use TLS (not supported yet)' },
  { long: 'tlsverify', desc: 'Use TLS and verify the remote (not supported yet)' },
  { long: 'tlscacert', value: 'file', desc: 'Trust certs signed only by this CA (not supported yet)' },
  { long: 'tlscert', value: 'file', desc: 'Path to TLS certificate file (not supported yet)' },
  { long: 'tlskey', value: 'file', desc: 'Path to TLS key file (not supported yet)' },
  { long: 'version', short: 'v', desc: 'Print the version' },
  help,
];

type Listen = { socket: string } | { host: string; port: number };

/** -H: a unix socket, or a TCP port on loopback (anything else would hand root to the network) */
function parseHost(h: string, tls: boolean): Listen {
  if (h.startsWith('unix://')) {
    const socket = h.slice('unix://'.length);
    if (!socket.startsWith('/')) throw new UsageError(`invalid host "${h}": the socket path must be absolute`);
    return { socket };
  }
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)$/.exec(h);
  if (!m) throw new UsageError(`invalid host "${h}": unix:///path or tcp://127.0.0.1:PORT`);
  const host = m[1].replace(/^\[|\]$/g, '');
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new UsageError(`invalid host "${h}": bad port`);
  const loopback = host === 'localhost' || (isIP(host) === 4 && host.startsWith('127.')) || host === '::1';
  if (tls) throw new UsageError('TLS (--tls, --tlsverify) is not supported by mydockerd yet');
  if (!loopback) throw new UsageError(`refusing to listen on ${h}: anyone who reaches it is root on this machine; only 127.0.0.1 without TLS (and TLS is not supported yet)`);
  return { host, port };
}

/** the group's id from /etc/group, or undefined when there is no such group */
function groupId(name: string): number | undefined {
  if (/^\d+$/.test(name)) return Number(name);
  try {
    for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
      const [n, , gid] = line.split(':');
      if (n === name) return Number(gid);
    }
  } catch {
    // no /etc/group
  }
  return undefined;
}

/** the store's daemon lock: a second daemon on the same store is refused (flock: gone when we die) */
function lockStore(root: string): void {
  const dir = join(root, 'containers');
  mkdirSync(dir, { recursive: true, mode: 0o710 });
  const fd = openSync(join(dir, 'mydockerd.lock'), 'w', 0o600);
  try {
    native.flock(fd, LOCK_NB_EX);
  } catch {
    closeSync(fd);
    throw new RuntimeError(`another mydockerd is running on ${resolve(root)}`, 'conflict');
  }
  // fd stays open for as long as we live
}

async function main(argv: string[]): Promise<void> {
  const { opts, rest } = parseOptions(argv, options);
  if (opts.help) {
    process.stdout.write(`Usage: mydockerd [OPTIONS]\n\nA self-sufficient runtime for containers, over the Docker Engine API\n\nOptions:\n${options.map((o) => `  ${o.short ? `-${o.short}, ` : '    '}--${o.long}${o.value ? ` ${o.value}` : ''}\n        ${o.desc}\n`).join('')}`);
    return;
  }
  if (opts.version) return void process.stdout.write(`mydockerd version ${ENGINE_VERSION}\n`);
  if (rest.length) throw new UsageError(`mydockerd takes no arguments (got "${rest[0]}")`);
  if (opts.debug) setLogLevel('debug');
  const level = str(opts['log-level']);
  if (level) setLogLevel(level);
  if (process.getuid?.() !== 0) throw new RuntimeError('mydockerd needs root: run it with sudo');
  const tls = opts.tls === true || opts.tlsverify === true || ['tlscacert', 'tlscert', 'tlskey'].some((k) => opts[k] !== undefined);
  const listen = parseHost(str(opts.host) ?? 'unix:///run/mydocker.sock', tls);
  const bridge = str(opts.bridge);
  if (bridge !== undefined && bridge !== 'none') throw new UsageError(`--bridge=${bridge}: only "none" (or no --bridge: the default network)`);
  if (bridge === 'none') process.env.MYDOCKER_DEFAULT_NETWORK = 'none';
  const insecure = list(opts['insecure-registry']);
  if (insecure.length) process.env.MYDOCKER_INSECURE_REGISTRIES = [process.env.MYDOCKER_INSECURE_REGISTRIES, ...insecure].filter(Boolean).join(',');
  const root = str(opts.root) ?? (process.env.MYDOCKER_ROOT || '/var/lib/mydocker');
  const pidfile = str(opts.pidfile) ?? '/run/mydockerd.pid';

  useRoot(root, true);
  makeStorePrivate(root);
  lockStore(root);
  restoreAutoRemove(root);

  const server = apiServer(root, str(opts['cgroup-parent']));
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  if ('socket' in listen) {
    mkdirSync(dirname(listen.socket), { recursive: true });
    rmSync(listen.socket, { force: true }); // a socket left by a daemon that was killed (we hold the store's lock)
    const old = process.umask(0o177); // the socket is born 0600: no moment where anyone else may connect
    try {
      await new Promise<void>((ok, fail) => server.once('error', fail).listen(listen.socket, ok));
    } finally {
      process.umask(old);
    }
    const gid = groupId(str(opts.group) ?? 'docker');
    if (gid !== undefined) {
      chownSync(listen.socket, 0, gid);
      chmodSync(listen.socket, 0o660);
    }
    log.info(`API listening on ${listen.socket} (mode ${(statSync(listen.socket).mode & 0o777).toString(8)})`);
  } else {
    await new Promise<void>((ok, fail) => server.once('error', fail).listen(listen.port, listen.host, ok));
    log.info(`API listening on ${listen.host}:${listen.port}`);
  }
  writeFileSync(pidfile, `${process.pid}`);

  process.on('SIGHUP', () => log.info('SIGHUP ignored'));
  const stop = (signal: string) => {
    log.info(`${signal}: stopping (the containers go on under their monitors)`);
    server.close();
    for (const s of sockets) s.destroy();
    if ('socket' in listen) rmSync(listen.socket, { force: true });
    rmSync(pidfile, { force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main(process.argv.slice(2)).catch((e: unknown) => {
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`mydockerd: ${printable(message)}\n`);
  if (debugging() && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  process.exit(1);
});
