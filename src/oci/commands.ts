// chapter: 08-oci
// The lifecycle commands after create (runtime.md#operations): start, state, kill,
// delete, and runc's ps and features. Each reads the container's folder; none keeps
// anything running.
const { closeSync, constants: fsConstants, openSync, readSync, unlinkSync, writeSync } = process.getBuiltinModule('node:fs');
import { constants } from 'node:os';
import { RuntimeError } from '../errors.js';
import { CAPABILITIES } from '../security/capabilities.js';
import { alive, containerPids, may, ociState, removeCgroups, status, type OciContainer, OCI_VERSION } from './container.js';
import { freezerOf, isFrozen, setFrozen } from './freezer.js';
import { runHooks } from './hooks.js';

export async function start(c: OciContainer): Promise<void> {
  const r = c.read();
  const s = status(c, r);
  if (s === 'stopped') throw new RuntimeError('cannot start a container that has stopped', 'conflict');
  if (s === 'running') throw new RuntimeError('cannot start an already running container', 'conflict');
  if (!may(s, 'start')) throw new RuntimeError(`cannot start a container in the ${s} state`, 'conflict');
  // opened before the init may go on: a failing startContainer hook writes its reason there
  const hookResult = r.startHooks ? openSync(c.hookFifo, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK) : -1;
  let fd: number;
  try {
    // the init holds the FIFO open: without it (ENXIO) there is nobody to start
    fd = openSync(c.fifo, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
  } catch (e) {
    throw new RuntimeError(`cannot start the container: ${(e as NodeJS.ErrnoException).code === 'ENXIO' ? 'its init is gone' : (e as Error).message}`, 'runtime', { cause: e });
  }
  try {
    writeSync(fd, '0');
  } finally {
    closeSync(fd);
  }
  unlinkSync(c.fifo); // from now on: "running"
  if (hookResult >= 0) await startContainerOutcome(hookResult);
  // the state of the start that just happened: a command that ends at once (`true`)
  // is still "running" with its pid to its own poststart hook (the spec's order)
  runHooks('poststart', r.poststart, { ...ociState(c, r), status: 'running', pid: r.pid });
}

/** hook.fifo: end-of-file once the init has exec'd the command (or died), its reason if a hook failed */
async function startContainerOutcome(fd: number): Promise<void> {
  let reason = '';
  const buf = Buffer.alloc(4096);
  try {
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        await new Promise((res) => setTimeout(res, 5)); // the init still holds it: hooks running
        continue;
      }
      if (n === 0) break;
      reason += buf.toString('utf8', 0, n);
    }
  } finally {
    closeSync(fd);
  }
  if (reason) throw new RuntimeError(reason);
}

export function state(c: OciContainer): string {
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
  throw new RuntimeError(`unknown signal "${sig}"`, 'usage');
}

export async function kill(c: OciContainer, sig: string, all: boolean): Promise<void> {
  const r = c.read();
  const n = parseSignal(sig);
  const s = status(c, r);
  if (!may(s, 'kill')) throw new RuntimeError('container not running', 'conflict');
  const pids = all ? containerPids(r) : [r.pid];
  for (const pid of pids.filter((p) => p > 0)) {
    try {
      process.kill(pid, n);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  }
  // a frozen task dies of SIGKILL only once thawed (cgroup v1); runc thaws for SIGKILL alone
  if (s === 'paused' && n === constants.signals.SIGKILL) await setFrozen(freezerOf(r.procs)!, false);
}

/** runc's pause: every process of the container frozen; state then says "paused" */
export async function pause(c: OciContainer): Promise<void> {
  const r = c.read();
  const s = status(c, r);
  if (!may(s, 'pause')) throw new RuntimeError('container not running', 'conflict');
  const dir = freezerOf(r.procs);
  if (!dir) throw new RuntimeError('pause: this host has no cgroup freezer (cgroup v1 freezer or cgroup v2)');
  await setFrozen(dir, true);
}

export async function resume(c: OciContainer): Promise<void> {
  const r = c.read();
  if (!may(status(c, r), 'resume')) throw new RuntimeError('container not paused', 'conflict');
  await setFrozen(freezerOf(r.procs)!, false);
}

export async function remove(c: OciContainer, force: boolean): Promise<void> {
  if (!c.exists()) {
    if (force) return c.remove(); // runc: deleting what is not there, by force, is done
    throw new RuntimeError(`container does not exist`, 'notFound');
  }
  const r = c.read();
  const s = status(c, r);
  // <step 8.3>
  // runtime.md#delete: a container that is not stopped is an error (runc deletes a created one; the spec wins)
  if (!may(s, 'delete') && !force) throw new RuntimeError(`cannot delete container ${c.id} that is not stopped: ${s}`, 'conflict');
  // </step 8.3>
  if (s !== 'stopped') {
    for (const pid of [r.pid, ...containerPids(r)].filter((p) => p > 0)) { // never 0: kill(0) is our own process group
      try {
        process.kill(pid, constants.signals.SIGKILL);
      } catch {
        // gone
      }
    }
    const freezer = freezerOf(r.procs); // a paused container: its tasks die once thawed (runc thaws too)
    if (freezer && isFrozen(freezer)) await setFrozen(freezer, false);
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

export function ps(c: OciContainer, json: boolean): string {
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
      hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
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
