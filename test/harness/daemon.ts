// A mydockerd of a test file's own, and the clients that drive it: the real docker
// CLI (DOCKER_HOST on the daemon's socket, a docker config of the file's own) and
// curl on the socket. (test/chapters/09-daemon.test.ts has its own copy of these, from
// before this module: the two can merge.)
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { MYDOCKER, sleep } from './index.js';

export const MYDOCKERD = resolve(process.env.MYDOCKERD ?? join(dirname(MYDOCKER), 'mydockerd'));
export const DOCKER = '/usr/bin/docker'; // Debian's docker.io: API 1.41

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  /** the command, for failure messages */
  cmd: string;
}

/** run a program; never rejects (the code says how it went) */
export function run(file: string, args: string[], o: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {}): Promise<Ran> {
  return new Promise((done) => {
    const child = execFile(file, args, { env: o.env ?? process.env, timeout: o.timeoutMs ?? 60_000, killSignal: 'SIGKILL', maxBuffer: 64 << 20, encoding: 'buffer' }, (e, stdout, stderr) =>
      done({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, stdout: stdout.toString('latin1'), stderr: stderr.toString() + (e && e.killed ? '\n[killed: timed out]' : ''), cmd: [file, ...args].join(' ') }),
    );
    child.stdin?.on('error', () => {}); // a program that exits before it reads its input
    child.stdin?.end(o.input ?? '');
  });
}

export interface Daemon {
  sock: string;
  /** the docker CLI's environment: DOCKER_HOST and DOCKER_CONFIG */
  env: NodeJS.ProcessEnv;
  docker(args: string[], timeoutMs?: number): Promise<Ran>;
  curl(args: string[], timeoutMs?: number): Promise<Ran>;
  log(): string;
  stop(): Promise<void>;
}

/**
 * start mydockerd on `sock` over `root` (its containers' cgroups under cgroupParent);
 * resolves once /_ping answers. daemonEnv: the daemon's own environment
 */
export async function startDaemon(o: { root: string; sock: string; cgroupParent: string; dockerConfig: string; daemonEnv?: NodeJS.ProcessEnv }): Promise<Daemon> {
  if (!existsSync(MYDOCKERD)) throw new Error(`no daemon at ${MYDOCKERD} (MYDOCKERD, default bin/mydockerd beside MYDOCKER)`);
  const host = `unix://${o.sock}`;
  const env = { ...process.env, DOCKER_HOST: host, DOCKER_CONFIG: o.dockerConfig };
  const curl = (args: string[], timeoutMs = 60_000) => run('curl', ['-sS', '--unix-socket', o.sock, ...args], { timeoutMs });
  let log = '';
  const child: ChildProcess = spawn(MYDOCKERD, ['--root', o.root, '-H', host, '--bridge=none', '--cgroup-parent', o.cgroupParent], { stdio: ['ignore', 'pipe', 'pipe'], env: o.daemonEnv ?? process.env });
  child.on('error', (e) => (log += `\n[spawn failed: ${e.message}]`));
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  process.on('exit', () => child.kill('SIGKILL')); // a run stopped at its first failure skips the teardowns
  const end = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${MYDOCKERD} exited (${child.exitCode ?? child.signalCode}) before it answered /_ping: ${log}`);
    const r = existsSync(o.sock) ? await curl(['http://d/_ping'], 5_000) : undefined;
    if (r?.stdout === 'OK') break;
    if (Date.now() > end) throw new Error(`${MYDOCKERD} did not answer /_ping on ${o.sock} within 20 s: ${log}`);
    await sleep(100);
  }
  return {
    sock: o.sock,
    env,
    docker: (args, timeoutMs = 60_000) => run(DOCKER, args, { env, timeoutMs }),
    curl,
    log: () => log,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      if ((await Promise.race([exited, sleep(10_000).then(() => 'timeout')])) === 'timeout') child.kill('SIGKILL');
    },
  };
}
