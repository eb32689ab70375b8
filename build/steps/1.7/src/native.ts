// Typed wrapper around the C++ addon (native/mydocker.cc): the syscalls Node lacks,
// one wrapper each, no policy. Errors thrown by the addon carry .code (the errno
// name), .errno and .syscall, like Node's own. Each wrapper's doc says what the
// kernel needs for it to work.
import { createRequire } from 'node:module';

interface SpawnOptions {
  file: string;
  argv: string[];
  env: string[];
  /** CLONE_NEW* flags: the child is the first process of those new namespaces */
  cloneFlags?: number;
  /** fds[i] becomes fd i in the child (-1 closes it); everything else is closed at exec; at most 64 */
  fds?: number[];
  /** PR_SET_PDEATHSIG: the child gets this signal when the spawning thread ends (kept across execve, not set-uid) */
  parentDeathSignal?: number;
}

export interface ExitInfo {
  exitCode: number | null;
  signal: number | null;
  error?: string;
}

interface Addon {
  /**
   * clone(CLONE_VM|CLONE_VFORK|CLONE_PIDFD|cloneFlags) + execve, posix_spawn's way: the
   * child only resets signals, places fds and execs; an exec error throws here. New
   * namespaces need CAP_SYS_ADMIN; CLONE_NEWPID makes the child PID 1 of its namespace.
   */
  spawn(o: SpawnOptions): { pid: number; pidfd: number };
  /** poll the pidfd on Node's loop, reap with waitid(P_PIDFD); the caller closes the pidfd */
  waitPidfd(pidfd: number, cb: (r: ExitInfo) => void): void;
  /** replace this process; returns only by throwing. Call resetForExec first. */
  execve(file: string, argv: string[], env: string[]): never;
  /** signals back to default and unblocked, stdio blocking and inherited: Node's setup undone */
  resetForExec(): void;
  /** _exit(2): the process ends now, without Node's exit (libuv's teardown may need syscalls a seccomp filter refuses) */
  exitNow(status: number): never;
  /** mount(2); needs CAP_SYS_ADMIN in the mount namespace's user namespace */
  mount(source: string | null, target: string, fstype: string | null, flags: number, data?: string | null): void;
  /** sethostname(2): changes the UTS namespace the caller is in (a new one, we hope) */
  sethostname(name: string): void;
  /** unshare(2) from the calling thread: for the PID namespace only the children move */
  unshare(flags: number): void;
  /** openpty(3): both sides close-on-exec; the slave's name is in the caller's /dev/pts */
  openpty(): { master: number; slave: number };
  /** TIOCSWINSZ on a terminal fd: the foreground process group gets SIGWINCH */
  setWinsize(fd: number, rows: number, cols: number): void;
  /** pidfd_send_signal(2): no pid-reuse race; fails with ESRCH once the process is reaped */
  pidfdSendSignal(pidfd: number, signal: number): void;
  /** close_range(2) (Linux 5.9; CLOSE_RANGE_CLOEXEC 5.11) */
  closeRange(first: number, last: number, flags?: number): void;
  /** pipe2(2) */
  pipe2(flags?: number): [number, number];
  /** pidfd_getfd(2) (Linux 5.6): a close-on-exec copy of the process's fd; needs ptrace rights over it */
  pidfdGetfd(pidfd: number, fd: number): number;
  /** isatty(3): fd is a terminal */
  isatty(fd: number): boolean;
  dup2(oldfd: number, newfd: number): void;
  /** a close-on-exec copy of fd, numbered 3 or above */
  dupCloexec(fd: number): number;
  /** setsid(2): fails (EPERM) for a process group leader */
  setsid(): void;
  /** TIOCSCTTY: the caller must lead a session that has no controlling terminal yet */
  setControllingTty(fd: number): void;
}

const require = createRequire(import.meta.url);
export const native: Addon = require('../native/build/Release/mydocker.node');

/** wait for a child through its pidfd, on Node's event loop */
export function waitPidfd(pidfd: number): Promise<ExitInfo> {
  return new Promise((resolve) => native.waitPidfd(pidfd, resolve));
}

// <sched.h>
export const CLONE_NEWNS = 0x00020000;
export const CLONE_NEWUTS = 0x04000000;
export const CLONE_NEWIPC = 0x08000000;
export const CLONE_NEWPID = 0x20000000;
export const CLONE_NEWNET = 0x40000000;

// <sys/mount.h>
export const MS_NOSUID = 2;
export const MS_NODEV = 4;
export const MS_NOEXEC = 8;
export const MS_REC = 16384;
export const MS_PRIVATE = 1 << 18;

// <linux/close_range.h>
export const CLOSE_RANGE_CLOEXEC = 4;
export const O_CLOEXEC = 0o2000000;
export const ALL_FDS = 0xffffffff;
