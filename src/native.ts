// chapter: 01-namespaces
// Typed wrapper around the C++ addon (native/mydocker.cc): the syscalls Node lacks.
// Errors thrown by the addon carry .code (the errno name), .errno and .syscall.
import { createRequire } from 'node:module';

export interface SpawnOptions {
  file: string;
  argv: string[];
  env: string[];
  cloneFlags?: number;
  /** fds[i] becomes fd i in the child (-1 closes it); everything else is closed at exec */
  fds?: number[];
  /** namespace fds to setns() into, in order, before exec */
  nsFds?: number[];
  setsid?: boolean;
  /** make fd 0 the controlling terminal (needs setsid) */
  ctty?: boolean;
  cwd?: string;
}

export interface ExitInfo {
  exitCode: number | null;
  signal: number | null;
  error?: string;
}

interface Addon {
  spawn(o: SpawnOptions): { pid: number; pidfd: number };
  waitPidfd(pidfd: number, cb: (r: ExitInfo) => void): void;
  execve(file: string, argv: string[], env: string[]): never;
  mount(source: string | null, target: string, fstype: string | null, flags: number, data?: string | null): void;
  umount2(target: string, flags?: number): void;
  pivotRoot(newRoot: string, putOld: string): void;
  sethostname(name: string): void;
  setns(fd: number, nstype?: number): void;
  unshare(flags: number): void;
  openpty(): { master: number; slave: number };
  setWinsize(fd: number, rows: number, cols: number): void;
  pidfdOpen(pid: number): number;
  pidfdSendSignal(pidfd: number, signal: number): void;
  flock(fd: number, op: number): void;
  closeRange(first: number, last: number, flags?: number): void;
  prctl(option: number, arg2?: number, arg3?: number, arg4?: number, arg5?: number): number;
  pipe2(flags?: number): [number, number];
  mknod(path: string, mode: number, major: number, minor: number): void;
  setCloexec(fd: number, on: boolean): void;
  pidfdGetfd(pidfd: number, fd: number): number;
  dup2(oldfd: number, newfd: number): void;
  setsid(): void;
  setControllingTty(fd: number): void;
  lsetxattr(path: string, name: string, value: string): void;
  lgetxattr(path: string, name: string): string | null;
  // <chapter 04-security>
  /** open_tree(2) (Linux 5.2): with OPEN_TREE_CLONE, a detached copy of the mount at path */
  openTree(path: string, flags: number): number;
  /** mount_setattr(2) (Linux 5.12) on the mount the fd refers to (a detached one included) */
  mountSetattr(fd: number, attrSet: number, attrClr?: number): void;
  // </chapter 04-security>
}

const require = createRequire(import.meta.url);
export const native: Addon = require('../native/build/Release/mydocker.node');

/** wait for a child through its pidfd, on Node's event loop */
export function waitPidfd(pidfd: number): Promise<ExitInfo> {
  return new Promise((resolve) => native.waitPidfd(pidfd, resolve));
}

// <sched.h>
export const CLONE_NEWNS = 0x00020000;
export const CLONE_NEWCGROUP = 0x02000000;
export const CLONE_NEWUTS = 0x04000000;
export const CLONE_NEWIPC = 0x08000000;
export const CLONE_NEWUSER = 0x10000000;
export const CLONE_NEWPID = 0x20000000;
export const CLONE_NEWNET = 0x40000000;

// <sys/mount.h>
export const MS_RDONLY = 1;
export const MS_NOSUID = 2;
export const MS_NODEV = 4;
export const MS_NOEXEC = 8;
export const MS_REMOUNT = 32;
export const MS_BIND = 4096;
export const MS_MOVE = 8192;
export const MS_REC = 16384;
export const MS_PRIVATE = 1 << 18;
export const MS_SLAVE = 1 << 19;
export const MS_STRICTATIME = 1 << 24;
export const MNT_DETACH = 2;
// <chapter 04-security>
export const OPEN_TREE_CLONE = 1;
export const OPEN_TREE_CLOEXEC = 0o2000000; // O_CLOEXEC
export const MOUNT_ATTR_RDONLY = 0x1;
export const MOUNT_ATTR_NOSUID = 0x2;
export const MOUNT_ATTR_NODEV = 0x4;
// </chapter 04-security>

// <sys/file.h>
export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

// <linux/close_range.h>
export const CLOSE_RANGE_CLOEXEC = 4;
export const O_CLOEXEC = 0o2000000;
export const ALL_FDS = 0xffffffff;
