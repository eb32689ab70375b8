// chapter: 05-lifecycle step 5.1
// Starting a detached container through its monitor (native/monitor.c): the CLI
// spawns the monitor, the monitor clones the init, so the init is the monitor's
// child and outlives the CLI. The spec and report pipes (fds 3 and 4) go through
// the monitor untouched: the start protocol of chapter 01 does not change.
const { closeSync, openSync, readSync, writeSync } = process.getBuiltinModule('node:fs');
import { constants } from 'node:os';
import type { Spawner } from '../container/process.js';
import { O_CLOEXEC, native } from '../native.js';
import { ownFile } from '../paths.js';

const MONITOR = ownFile('native/build/Release/mydocker-monitor');

export interface MonitorFiles {
  /** where the monitor writes {exitCode, finishedAt} when the container ends */
  exitFile: string;
  /** docker's json-file log */
  logFile: string;
  /** the cgroup directories to remove at the end, parents first */
  cgroups: string[];
  /** the cgroup's file that counts OOM kills (`oom_kill N`): read at the end, before the cgroup goes */
  oomCounter?: string;
  /** --rm: the container's folder, removed under the store's lock */
  removeDir?: string;
  lockFile: string;
  /** -i: the container's stdin is a pipe the monitor keeps open (not /dev/null, whose end-of-file ends a shell) */
  openStdin?: boolean;
  // <chapter 06-network>
  /** run (argv, on the init's file: the runtime) once the container has ended, before its folder goes */
  exitCommand?: string[];
  // </chapter 06-network>
}

export interface Monitor {
  pid: number;
  /** -t: the monitor takes its own copy of the terminal's master side (our fd), before "go" */
  takeTerminal(master: number): void;
  /** the CLI lets go: the monitor no longer dies with it */
  detach(): void;
}

const SEALED_FD = 7;

/** a Spawner that has a new monitor start the init; onMonitor hears of the monitor once the init exists */
export function monitorSpawner(files: MonitorFiles, onMonitor: (m: Monitor) => void): Spawner {
  return (o) => {
    const [controlRead, controlWrite] = native.pipe2(O_CLOEXEC);
    const [infoRead, infoWrite] = native.pipe2(O_CLOEXEC);
    const devnull = openSync('/dev/null', 'r+');
    const fds = o.fds ?? [];
    const sealedFd = /^\/proc\/self\/fd\/(\d+)$/.exec(o.file)?.[1];
    const argv = [
      'mydocker-monitor',
      ...['-x', files.exitFile, '-l', files.logFile, '-f', String(o.cloneFlags ?? 0)],
      ...(files.openStdin ? ['-i'] : []),
      ...(files.oomCounter ? ['-o', files.oomCounter] : []),
      ...files.cgroups.flatMap((dir) => ['-c', dir]),
      ...(files.removeDir ? ['-r', files.removeDir, '-L', files.lockFile] : []),
      ...o.env.flatMap((kv) => ['-e', kv]),
      // <chapter 06-network>
      ...(files.exitCommand ?? []).flatMap((a) => ['-X', a]),
      // </chapter 06-network>
      '--',
      // the monitor's /proc/self is the monitor's: our sealed fd of the binary becomes its fd 7
      sealedFd === undefined ? o.file.replace(/^\/proc\/self\//, `/proc/${process.pid}/`) : `/proc/self/fd/${SEALED_FD}`,
      ...o.argv,
    ];
    let monitor: { pid: number; pidfd: number };
    try {
      monitor = native.spawn({
        file: MONITOR,
        argv,
        env: [],
        // no fd of the CLI's terminal: `run -d` must not keep its caller's pipes open
        fds: [devnull, devnull, devnull, fds[3], fds[4], controlRead, infoWrite, ...(sealedFd === undefined ? [] : [Number(sealedFd)])],
        // until the CLI lets go, the monitor (and so the container) dies with it
        parentDeathSignal: constants.signals.SIGKILL,
      });
    } catch (e) {
      closeSync(controlWrite);
      closeSync(infoRead);
      throw e;
    } finally {
      for (const fd of [devnull, controlRead, infoWrite]) closeSync(fd);
    }
    closeSync(monitor.pidfd);
    // the monitor answers with the init's pid, or why it could not start it
    const answer = readLine(infoRead);
    if (!/^\d+\n$/.test(answer)) {
      closeSync(controlWrite);
      closeSync(infoRead);
      throw new Error(answer.replace(/^error: /, '').trim() || 'the monitor died');
    }
    const pid = Number(answer);
    onMonitor({
      pid: monitor.pid,
      takeTerminal(master) {
        // the monitor is our child and waits on this pipe: it pidfd_getfd's our fd, then answers
        writeSync(controlWrite, `t${master}\n`);
        const reply = readLine(infoRead);
        if (reply !== 't\n') throw new Error(reply.replace(/^error: /, '').trim() || 'the monitor died');
      },
      detach() {
        try {
          writeSync(controlWrite, 'd');
        } catch {
          // EPIPE: the monitor is gone already (killed); the record names it, the sweep sees it
        }
        closeSync(controlWrite);
        // its answer: it no longer dies with us (end-of-file too if it died). Exiting before
        // that would let the kernel kill it, and its container, by the parent-death signal.
        readToEnd(infoRead);
      },
    });
    return { pid, pidfd: native.pidfdOpen(pid) };
  };
}

/** read(2) on the monitor's pipe, again when a signal interrupted it (EINTR: a ^C forwarded, say) */
function readOnce(fd: number, buf: Buffer): number {
  for (;;) {
    try {
      return readSync(fd, buf);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EINTR') throw e;
    }
  }
}

/** read up to and including the first newline (or to end-of-file) */
function readLine(fd: number): string {
  const byte = Buffer.alloc(1);
  let text = '';
  while (!text.endsWith('\n') && readOnce(fd, byte) > 0) text += byte.toString('latin1');
  return text;
}

function readToEnd(fd: number): string {
  const buf = Buffer.alloc(256);
  let text = '';
  try {
    for (let n; (n = readOnce(fd, buf)) > 0; ) text += buf.toString('utf8', 0, n);
  } finally {
    closeSync(fd);
  }
  return text;
}
