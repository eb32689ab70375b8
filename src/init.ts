// chapter: 01-namespaces
// The container's init: the CLI re-executes the node binary (/proc/self/exe) on
// this file, as the first process of new PID, mount, UTS, IPC and network
// namespaces. It reads its InitSpec from fd 3, prepares the namespaces from the
// inside, waits for the CLI's "go" and then execve's the user's command, which
// takes over PID 1. The init reports to the CLI over fd 4, one JSON line a message
// (InitMessage); that fd is close-on-exec, so after "exec" end-of-file means success.
// Keep imports light: this file is on the start-up path of every container.
import { accessSync, constants, readSync, statSync, writeSync } from 'node:fs';
import {
  ALL_FDS,
  CLOSE_RANGE_CLOEXEC,
  MS_NODEV,
  MS_NOEXEC,
  MS_NOSUID,
  MS_PRIVATE,
  MS_REC,
  native,
} from './native.js';
import type { InitMessage, InitSpec } from './container/spec.js';
// <chapter 02-cgroups>
import { joinCgroups, openCgroups } from './cgroups/join.js';
// </chapter 02-cgroups>
// <chapter 03-rootfs>
import { makeWorkdir, setupRootfs } from './rootfs/setup.js';
// </chapter 03-rootfs>

const SPEC_FD = 3;
const REPORT_FD = 4;

class InitError extends Error {
  constructor(
    message: string,
    readonly code = 125,
  ) {
    super(message);
  }
}

/** fd 3 carries one line of JSON (the spec), then one byte: "go" */
function readSpec(): { spec: InitSpec; goSent: boolean } {
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(65536);
  for (;;) {
    const n = readSync(SPEC_FD, buf, 0, buf.length, null);
    if (n === 0) process.exit(125); // the CLI gave up before sending the spec
    chunks.push(Buffer.from(buf.subarray(0, n)));
    const all = Buffer.concat(chunks);
    const nl = all.indexOf(10);
    if (nl >= 0) return { spec: JSON.parse(all.subarray(0, nl).toString()), goSent: all.length > nl + 1 };
  }
}

function waitForGo(goSent: boolean): void {
  if (goSent) return;
  const n = readSync(SPEC_FD, Buffer.alloc(1), 0, 1, null);
  if (n === 0) process.exit(125); // end-of-file instead of "go": the CLI aborted the start
}

function report(m: InitMessage): void {
  writeSync(REPORT_FD, JSON.stringify(m) + '\n');
}

/**
 * -t: a new terminal, opened from the container's own /dev/ptmx, becomes the
 * command's stdio and controlling terminal; the CLI takes a copy of the master.
 */
function openTerminal(): void {
  const { master, slave } = native.openpty();
  report({ pty: master });
  native.setsid();
  native.setControllingTty(slave);
  for (const fd of [0, 1, 2]) native.dup2(slave, fd);
}

function mountProc(): void {
  // a fresh proc for the new PID namespace; private propagation keeps it out of the host
  native.mount('proc', '/proc', 'proc', MS_NOSUID | MS_NODEV | MS_NOEXEC, null);
}

/** execve's lookup, with docker's exit codes: 127 not found, 126 not executable */
function resolveCommand(file: string, env: string[]): string {
  if (file.includes('/')) return file;
  const path = env.find((e) => e.startsWith('PATH='))?.slice(5) ?? '';
  for (const dir of path.split(':')) {
    const candidate = `${dir || '.'}/${file}`;
    try {
      if (statSync(candidate).isFile()) {
        accessSync(candidate, constants.X_OK);
        return candidate;
      }
    } catch {
      // not here: keep looking
    }
  }
  throw new InitError(`exec: "${file}": executable file not found in $PATH`, 127);
}

function execFailure(file: string, e: NodeJS.ErrnoException): InitError {
  if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return new InitError(`exec: "${file}": no such file or directory`, 127);
  if (e.code === 'EACCES' || e.code === 'EISDIR' || e.code === 'EPERM') return new InitError(`exec: "${file}": permission denied`, 126);
  if (e.code === 'ENOEXEC') return new InitError(`exec: "${file}": exec format error`, 126);
  return new InitError(`exec: "${file}": ${e.message}`, 126);
}

function main(): void {
  const { spec, goSent } = readSpec();
  // <chapter 02-cgroups>
  const cgroupFds = openCgroups(spec.cgroupProcs); // before /sys/fs/cgroup goes out of reach
  // </chapter 02-cgroups>
  // nothing we mount may propagate back to the host (systemd makes / shared)
  native.mount(null, '/', null, MS_REC | MS_PRIVATE, null);
  // <replaced-by 03-rootfs>
  //~ mountProc();
  // </replaced-by 03-rootfs>
  // <chapter 03-rootfs>
  if (spec.rootfs) setupRootfs(spec.rootfs); // the image's files, then pivot_root
  else mountProc(); // chapter 01's way: the host's files
  // </chapter 03-rootfs>
  native.sethostname(spec.hostname);
  if (spec.tty) openTerminal();
  // <chapter 03-rootfs>
  if (spec.rootfs) makeWorkdir(spec.cwd); // docker creates a missing WORKDIR
  // </chapter 03-rootfs>
  try {
    process.chdir(spec.cwd);
  } catch {
    throw new InitError(`cannot change to working directory ${spec.cwd}: no such directory`, 126);
  }
  const file = resolveCommand(spec.args[0], spec.env);
  const ready = performance.now(); // ms since this process started: node, imports, setup
  waitForGo(goSent);
  const waited = performance.now() - ready;
  // <chapter 02-cgroups>
  joinCgroups(cgroupFds);
  // </chapter 02-cgroups>
  // every fd but stdio closes at exec; the report pipe's close tells the CLI "started"
  native.closeRange(SPEC_FD, ALL_FDS, CLOSE_RANGE_CLOEXEC);
  report({ exec: true, ms: Math.round(performance.now() - waited) });
  try {
    native.execve(file, spec.args, spec.env);
  } catch (e) {
    throw execFailure(spec.args[0], e as NodeJS.ErrnoException);
  }
}

try {
  main();
} catch (e) {
  const code = e instanceof InitError ? e.code : 125;
  try {
    report({ error: (e as Error).message, code });
  } catch {
    // the CLI is gone; nobody to tell
  }
  process.exit(code);
}
