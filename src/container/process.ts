// chapter: 01-namespaces
// Starting the container's init: clone(2) into new namespaces, re-exec the node
// binary (/proc/self/exe) on dist/init.js, and talk to it over two pipes.
import { closeSync, createReadStream, writeSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  CLONE_NEWIPC,
  CLONE_NEWNET,
  CLONE_NEWNS,
  CLONE_NEWPID,
  CLONE_NEWUTS,
  O_CLOEXEC,
  native,
  waitPidfd,
  type ExitInfo,
} from '../native.js';
import { RuntimeError } from '../errors.js';
import type { InitFailure, InitSpec } from './spec.js';

export const CLONE_FLAGS = CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET;

const INIT_JS = fileURLToPath(new URL('../init.js', import.meta.url));

export interface InitProcess {
  pid: number;
  pidfd: number;
  /** let the init run the user's command */
  go(): void;
  /** resolves once the user's command runs; rejects with the init's reason */
  started: Promise<void>;
  exited: Promise<ExitInfo>;
  signal(sig: number): void;
}

export interface Stdio {
  /** the fds that become the container's 0, 1, 2 */
  fds: [number, number, number];
  /** a terminal: the container gets a new session with fd 0 as its controlling tty */
  tty: boolean;
}

export function startInit(spec: InitSpec, stdio: Stdio): InitProcess {
  const [specRead, specWrite] = native.pipe2(O_CLOEXEC);
  const [reportRead, reportWrite] = native.pipe2(O_CLOEXEC);
  let child: { pid: number; pidfd: number };
  try {
    child = native.spawn({
      file: '/proc/self/exe',
      argv: ['mydocker-init', INIT_JS],
      env: [], // a clean environment: the init starts faster and leaks nothing
      cloneFlags: CLONE_FLAGS,
      fds: [...stdio.fds, specRead, reportWrite],
      setsid: stdio.tty,
      ctty: stdio.tty,
    });
  } catch (e) {
    for (const fd of [specRead, specWrite, reportRead, reportWrite]) closeSync(fd);
    throw new RuntimeError(`cannot start the container: ${(e as Error).message}`);
  }
  closeSync(specRead);
  closeSync(reportWrite);
  writeSync(specWrite, JSON.stringify(spec) + '\n');

  const exited = waitPidfd(child.pidfd).then((info) => {
    closeSync(child.pidfd);
    return info;
  });
  const report = readAll(reportRead);
  // the init writes "x" right before execve, and a failure as JSON; the pipe is
  // close-on-exec, so "x" then end-of-file means the user's command is running
  const started = report.then((text) => {
    const failure = text.replace(/^x/, '');
    if (failure) {
      const f = JSON.parse(failure) as InitFailure;
      throw new RuntimeError(f.message, f.code);
    }
    if (!text) throw new RuntimeError('the container init died before starting the command');
  });
  started.catch(() => {}); // observed by the caller; never an unhandled rejection

  let goSent = false;
  let alive = true;
  exited.then(() => (alive = false));
  return {
    ...child,
    go() {
      if (goSent) return;
      goSent = true;
      writeSync(specWrite, 'g');
      closeSync(specWrite);
    },
    started,
    exited,
    signal(sig: number) {
      if (!alive) return;
      try {
        native.pidfdSendSignal(child.pidfd, sig);
      } catch {
        // already gone
      }
    },
  };
}

function readAll(fd: number): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const s = createReadStream('', { fd, encoding: 'utf8' });
    s.on('data', (d) => (text += d));
    s.on('close', () => resolve(text));
    s.on('error', () => resolve(text));
  });
}

/** the signals a user sends to `mydocker run` reach the container's PID 1 */
export const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/** returns the function that stops forwarding */
export function forwardSignals(init: InitProcess): () => void {
  const handlers = FORWARDED_SIGNALS.map((name) => {
    const handler = () => init.signal(constants.signals[name]);
    process.on(name, handler);
    return () => process.removeListener(name, handler);
  });
  return () => handlers.forEach((off) => off());
}
