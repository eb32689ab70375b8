// chapter: 08-oci
// The lifecycle commands after create (runtime.md#operations): start, state, kill,
// delete, and runc's ps and features. Each reads the container's folder; none keeps
// anything running.
const { closeSync, constants: fsConstants, openSync, unlinkSync, writeSync } = process.getBuiltinModule('node:fs');
import { constants } from 'node:os';
import { RuntimeError } from '../errors.js';
import { CAPABILITIES } from '../security/capabilities.js';
import { alive, containerPids, ociState, removeCgroups, status, type Container, OCI_VERSION } from './container.js';
import { runHooks } from './hooks.js';

export function start(c: Container): void {
  const r = c.read();
  const s = status(c, r);
  if (s === 'stopped') throw new RuntimeError('cannot start a container that has stopped');
  if (s === 'running') throw new RuntimeError('cannot start an already running container');
  let fd: number;
  try {
    // the init holds the FIFO open: without it (ENXIO) there is nobody to start
    fd = openSync(c.fifo, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
  } catch (e) {
    throw new RuntimeError(`cannot start the container: ${(e as NodeJS.ErrnoException).code === 'ENXIO' ? 'its init is gone' : (e as Error).message}`);
  }
  try {
    writeSync(fd, '0');
  } finally {
    closeSync(fd);
  }
  unlinkSync(c.fifo); // from now on: "running"
  runHooks('poststart', r.poststart, ociState(c, r));
}

export function state(c: Container): string {
  return JSON.stringify(ociState(c, c.read()), null, 2);
}

/** "KILL", "SIGKILL", "9" → 9 */
export function parseSignal(sig: string): number {
  if (/^\d+$/.test(sig)) {
    const n = Number(sig);
    if (n > 0 && n <= 64) return n;
  } else {
    const name = sig.toUpperCase().startsWith('SIG') ? sig.toUpperCase() : `SIG${sig.toUpperCase()}`;
    const n = (constants.signals as Record<string, number>)[name];
    if (n !== undefined) return n;
  }
  throw new RuntimeError(`unknown signal "${sig}"`);
}

export function kill(c: Container, sig: string, all: boolean): void {
  const r = c.read();
  const n = parseSignal(sig);
  const s = status(c, r);
  if (s !== 'created' && s !== 'running') throw new RuntimeError('container not running');
  const pids = all ? containerPids(r) : [r.pid];
  for (const pid of pids.filter((p) => p > 0)) {
    try {
      process.kill(pid, n);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  }
}

export async function remove(c: Container, force: boolean): Promise<void> {
  if (!c.exists()) {
    if (force) return c.remove(); // runc: deleting what is not there, by force, is done
    throw new RuntimeError(`container does not exist`);
  }
  const r = c.read();
  const s = status(c, r);
  // runtime.md#delete: a container that is not stopped is an error (runc deletes a created one; the spec wins)
  if (s !== 'stopped' && !force) throw new RuntimeError(`cannot delete container ${c.id} that is not stopped: ${s}`);
  if (s !== 'stopped') {
    for (const pid of [r.pid, ...containerPids(r)].filter((p) => p > 0)) { // never 0: kill(0) is our own process group
      try {
        process.kill(pid, constants.signals.SIGKILL);
      } catch {
        // gone
      }
    }
    for (let i = 0; alive(r) && i < 500; i++) await new Promise((res) => setTimeout(res, 10));
  }
  await removeCgroups(r);
  c.remove();
  try {
    runHooks('poststop', r.poststop, { ...ociState(c, r), status: 'stopped', pid: 0 });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`); // the container is gone anyway: a warning
  }
}

export function ps(c: Container, json: boolean): string {
  const r = c.read();
  const pids = containerPids(r).sort((a, b) => a - b);
  if (json) return JSON.stringify(pids);
  return ['PID', ...pids.map(String)].join('\n');
}

/** what this runtime supports (runc's `features`, runtime-spec features.md) */
export function features(): string {
  return JSON.stringify(
    {
      ociVersionMin: '1.0.0',
      ociVersionMax: OCI_VERSION,
      hooks: ['prestart', 'createRuntime', 'poststart', 'poststop'],
      mountOptions: ['ro', 'rw', 'nosuid', 'suid', 'nodev', 'dev', 'noexec', 'exec', 'bind', 'rbind', 'private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave', 'unbindable', 'runbindable', 'relatime', 'noatime', 'strictatime'],
      linux: {
        namespaces: ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup'],
        capabilities: [...CAPABILITIES],
        cgroup: { v1: true, v2: true, systemd: false },
        seccomp: { enabled: true },
      },
    },
    null,
    2,
  );
}
