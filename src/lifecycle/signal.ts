// chapter: 05-lifecycle step 5.1
// kill and stop: a signal to the container's PID 1, through a pidfd opened and then
// checked against the recorded start time, so a reused pid never gets it.
const { closeSync } = process.getBuiltinModule('node:fs');
import { constants } from 'node:os';
import { native } from '../native.js';
import { alive } from '../container/sweep.js';
import { RuntimeError } from '../errors.js';
import { printEach, type Outcome } from '../toolkit/format.js';
import { getContainer, isRunning, waitState, type Container } from './containers.js';
import { signalNumber } from './signame.js';
import { can } from './transitions.js';

/** send sig to the container's PID 1; false when it is no longer running */
function signal(c: Container, sig: number): boolean {
  const { pid, pidStart } = c.state;
  if (!can(c.state, 'stopping')) return false; // only a running container (transitions.ts)
  let pidfd: number;
  try {
    pidfd = native.pidfdOpen(pid!);
  } catch {
    return false;
  }
  try {
    if (!alive(pid, pidStart)) return false; // the pid is someone else's now
    native.pidfdSendSignal(pidfd, sig);
    return true;
  } catch {
    return false;
  } finally {
    closeSync(pidfd);
  }
}

/** kill: the signal to each container; one that does not run is an error of its own, the others go on */
export async function* killContainers(root: string, refs: string[], sig: string): AsyncGenerator<Outcome> {
  const n = signalNumber(sig);
  for (const ref of refs) {
    const c = getContainer(root, ref);
    if (!signal(c, n)) {
      yield { ref, error: new RuntimeError(`cannot kill container: ${ref}: container ${c.config.id} is not running`) };
      continue;
    }
    yield { ref };
  }
}

export function killCommand(root: string, refs: string[], sig: string): Promise<number> {
  return printEach(killContainers(root, refs, sig));
}

/** its stop signal (SIGTERM unless --stop-signal or the image said otherwise), then SIGKILL after timeout seconds; resolves once the record says exited */
export async function stopContainer(root: string, c: Container, timeout: number): Promise<void> {
  const id = c.config.id;
  if (signal(c, c.state.stopSignal ?? constants.signals.SIGTERM)) {
    await waitState(root, id, (s) => !isRunning(s), timeout * 1000);
  }
  signal(c, constants.signals.SIGKILL);
  // its owner (monitor or CLI) writes the end down: wait for it, the record is the truth
  await waitState(root, id, (s) => s.status !== 'running' && !alive(s.cli, s.cliStart), 10_000);
}

/** stop: each container, once its record says it has exited */
export async function* stopContainers(root: string, refs: string[], timeout: number): AsyncGenerator<Outcome> {
  for (const ref of refs) {
    await stopContainer(root, getContainer(root, ref), timeout);
    yield { ref };
  }
}

export async function stopCommand(root: string, refs: string[], timeout: number): Promise<number> {
  await printEach(stopContainers(root, refs, timeout));
  return 0;
}
