// chapter: 01-namespaces step 1.2
// Starting the container's init: clone(2) into new namespaces, re-exec the node
// binary (/proc/self/exe) on dist/init.js, and talk to it over two pipes.
const { closeSync, writeSync } = process.getBuiltinModule('node:fs');
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
import { ownFile } from '../paths.js';
import { log, trace } from '../log.js';
import type { InitMessage, InitSpec } from './spec.js';
// <step 4.6>
import { sealedSelfExe } from './selfexe.js';
// </step 4.6>

const CLONE_FLAGS = CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET;

const INIT_JS = ownFile('dist/init.js');

export interface InitProcess {
  pid: number;
  pidfd: number;
  /** what the init is to do: it boots, then waits for this */
  send(spec: InitSpec): void;
  /** let the init run the user's command */
  go(): void;
  /** with -t: our copy of the terminal's master side, which the init made in the container */
  terminal: Promise<number>;
  /** resolves once the user's command runs; rejects with the init's reason */
  started: Promise<void>;
  exited: Promise<ExitInfo>;
  signal(sig: number): void;
}

/** the fds that become the init's 0, 1, 2 (with -t the init replaces them with its terminal) */
export type Stdio = [number, number, number];

/** what starts the init: the addon's spawn (a child of this CLI), or another (chapter 05: the container's monitor) */
export type Spawner = typeof native.spawn;

/** parentDeathSignal: what the init gets when this process ends (the CLI's: SIGKILL, src/cli/foreground.ts) */
export function startInit(
  stdio: Stdio,
  spawn: Spawner = native.spawn,
  parentDeathSignal?: number,
): InitProcess {
  const [specRead, specWrite] = native.pipe2(O_CLOEXEC);
  const [reportRead, reportWrite] = native.pipe2(O_CLOEXEC);
  let child: { pid: number; pidfd: number };
  // <replaced-by 4.6>
  //~ const file = '/proc/self/exe'; // ourselves: the node binary that runs the CLI
  // </replaced-by 4.6>
  // <step 4.6>
  const sealed = sealedSelfExe(); // ourselves, from a read-only bind mount in no namespace
  const file = sealed.file;
  // </step 4.6>
  try {
    child = spawn({
      file,
      argv: ['mydocker-init', INIT_JS],
      // a clean environment: the init starts faster and leaks nothing. Only Node's
      // compile cache (bin/mydocker's private one) is handed on: the init's modules
      // then load compiled, as the CLI's do
      env: process.env.NODE_COMPILE_CACHE ? [`NODE_COMPILE_CACHE=${process.env.NODE_COMPILE_CACHE}`] : [],
      cloneFlags: CLONE_FLAGS,
      fds: [...stdio, specRead, reportWrite],
      parentDeathSignal,
    });
  } catch (e) {
    for (const fd of [specRead, specWrite, reportRead, reportWrite]) closeSync(fd);
    throw new RuntimeError(`cannot start the container: ${(e as Error).message}`, 'runtime', { cause: e });
  // <step 4.6>
  } finally {
    sealed.close(); // the init has exec'd (or failed); nothing of the container runs yet
  // </step 4.6>
  }
  closeSync(specRead);
  closeSync(reportWrite);

  const exited = waitPidfd(child.pidfd).then((info) => {
    closeSync(child.pidfd);
    return info;
  });
  let alive = true;
  exited.then(() => (alive = false));

  const { terminal, started } = watchReports(reportRead, child.pidfd);

  let goSent = false;
  return {
    ...child,
    send(spec) {
      try {
        writeSync(specWrite, JSON.stringify(spec) + '\n');
      } catch {
        // EPIPE: the init is gone already; `started` says why
      }
    },
    go() {
      if (goSent) return;
      goSent = true;
      try {
        writeSync(specWrite, 'g');
      } catch {
        // EPIPE: the init is gone already; `started` says why
      }
      closeSync(specWrite);
    },
    terminal,
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

/**
 * The init reports on fd 4, one JSON message a line: {pty: fd}, {exec: true} right
 * before execve, or {error, code}. The pipe is close-on-exec: "exec" followed by
 * end-of-file means the user's command is running. `terminal`: with -t, our copy of the
 * terminal's master side (taken from the init through its pidfd); `started`: resolves
 * once the command runs, rejects with the init's reason.
 */
function watchReports(reportRead: number, pidfd: number): { terminal: Promise<number>; started: Promise<void> } {
  let onTerminal: (fd: number) => void;
  const terminal = new Promise<number>((resolve) => (onTerminal = resolve));
  const started = new Promise<void>((resolve, reject) => {
    let execed = false;
    let failure: InitMessage | undefined;
    readLines(reportRead, (line) => {
      const m = JSON.parse(line) as InitMessage;
      if (m.pty !== undefined) onTerminal(native.pidfdGetfd(pidfd, m.pty));
      if (m.exec) {
        execed = true;
        log.debug(`init: ${m.ms} ms of its own (node start, imports, namespaces, rootfs) before execve`);
        trace(`init: booted ${m.booted} ms after its start, then waited ${m.specWait} ms for its spec; ${m.ms} ms of its own`);
      }
      if (m.error) failure = m;
      // <chapter 08-oci>
      if (m.created) execed = true; // OCI create: the init waits for `start`; this CLI is done with it
      // </chapter 08-oci>
    }).then(() => {
      if (failure) reject(new RuntimeError(failure.error!, failure.code));
      else if (!execed) reject(new RuntimeError('the container init died before starting the command'));
      else resolve();
    });
  });
  started.catch(() => {}); // observed by the caller; never an unhandled rejection
  return { terminal, started };
}

/** call fn for every line read from fd until end-of-file */
function readLines(fd: number, fn: (line: string) => void): Promise<void> {
  return new Promise((resolve) => {
    let text = '';
    const s = new (process.getBuiltinModule('node:net').Socket)({ fd, readable: true, writable: false }); // loaded once the init runs
    s.setEncoding('utf8');
    s.on('data', (d) => {
      text += d;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n')) {
        fn(text.slice(0, nl));
        text = text.slice(nl + 1);
      }
    });
    s.on('close', () => resolve());
    s.on('error', () => resolve());
  });
}
