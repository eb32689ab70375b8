// The CLI's one container, in the foreground: it dies with the CLI, however the CLI
// ends, and the signals a user sends the CLI are the container's. The CLI passes this
// to run (src/run.ts); a process running many containers would not.
import { constants } from 'node:os';
import type { InitProcess } from '../container/process.js';
import type { FrontDoor } from '../run.js';

/** the signals a user sends to `mydocker run` reach the container's PID 1 */
const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/** returns the function that stops forwarding */
function forwardSignals(init: InitProcess): () => void {
  const handlers = FORWARDED_SIGNALS.map((name) => {
    const handler = () => init.signal(constants.signals[name]);
    process.on(name, handler);
    return () => process.removeListener(name, handler);
  });
  return () => handlers.forEach((off) => off());
}

export const foreground: FrontDoor = {
  // an attached container never outlives its CLI, however the CLI ends
  parentDeathSignal: constants.signals.SIGKILL,
  spawned: forwardSignals,
};
