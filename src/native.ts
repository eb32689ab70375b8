// chapter: 01-namespaces
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
  // <chapter 08-oci>
  /**
   * namespaces to join first, in this order: [fd of /proc/PID/ns/X, CLONE_NEW*]. A
   * short-lived first stage setns(2)'s them (mount and user need a single-threaded
   * caller, pid moves only children) and clones the child (still this caller's child)
   */
  join?: [number, number][];
  /** with CLONE_NEWUSER: /proc/PID/uid_map and gid_map, written before the child goes on; it then becomes uid 0 there */
  uidMap?: string;
  gidMap?: string;
  // </chapter 08-oci>
}

// <chapter 05-lifecycle>
interface NsExecOptions {
  /** an fd on the stub (native/exec-stub.c), sealed: it is exec'd first and execs file */
  stub: number;
  file: string;
  /** the PATH that file is looked up in when it has no '/' */
  path: string;
  argv: string[];
  env: string[];
  cwd: string;
  stdio: [number, number, number];
  terminal: boolean;
  cgroupProcs: number[];
  namespaces: number[];
  /** bit N = capability N: the bounding, effective and permitted sets */
  caps: bigint;
  noNewPrivs: boolean;
  uid: number;
  gid: number;
  groups: number[];
  seccomp?: Buffer;
}

// </chapter 05-lifecycle>
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
  // <chapter 03-rootfs>
  /** umount2(2); MNT_DETACH unmounts lazily, once nothing uses it */
  umount2(target: string, flags?: number): void;
  /** pivot_root(2): new_root is a mount point, not on a shared mount; put_old under it */
  pivotRoot(newRoot: string, putOld: string): void;
  /** mknod(2); device nodes need CAP_MKNOD */
  mknod(path: string, mode: number, major: number, minor: number): void;
  /** flock(2): released by the kernel when the last fd of the open file closes */
  flock(fd: number, op: number): void;
  /** lsetxattr(2): never follows a symlink; trusted.* needs CAP_SYS_ADMIN */
  lsetxattr(path: string, name: string, value: string): void;
  /** lgetxattr(2): null when the attribute is absent */
  lgetxattr(path: string, name: string): string | null;
  // </chapter 03-rootfs>
  // <chapter 04-security>
  /** open_tree(2) (Linux 5.2): with OPEN_TREE_CLONE, a detached copy of the mount at path */
  openTree(path: string, flags: number): number;
  /** mount_setattr(2) (Linux 5.12) on the mount the fd refers to (a detached one included) */
  mountSetattr(fd: number, attrSet: number, attrClr?: number): void;
  // </chapter 04-security>
  // <chapter 05-lifecycle>
  /** pidfd_open(2) (Linux 5.3): close-on-exec; polls readable once the process has exited (waitid needs it to be our child) */
  pidfdOpen(pid: number): number;
  /**
   * exec (native/exec.cc): a clone child (CLONE_VM|CLONE_VFORK) writes "0" into each
   * cgroupProcs fd (an open cgroup.procs: the writer moves there) and setns()'s into each
   * namespaces fd (open /proc/PID/ns/* files, in order); then it clones once more with
   * CLONE_PARENT — setns(CLONE_NEWPID) moves only the children — so the process is born
   * in the PID namespace as our child. With terminal, the first child (which shares our
   * fd table) opens /dev/ptmx in the joined mount namespace and the slave with TIOCGPTPEER
   * (Linux 4.13): both are returned (close-on-exec) and the slave replaces stdio. The
   * process takes the stdio fds (setsid + TIOCSCTTY with terminal), chdir's (in the joined mount namespace), applies
   * no_new_privs, seccomp (BPF from seccompLoad(filter, true)), the bounding set,
   * groups, gid, uid, capset(caps, caps, 0), clears the ambient set and execveat's the
   * stub, which execve's file (looked up in path when it has no '/'); the stub's error
   * comes back through a pipe. Every other fd closes at exec. Needs
   * CAP_SYS_ADMIN (setns), CAP_SETPCAP, CAP_SETUID/GID; a pid namespace whose init has
   * exited refuses new processes (clone: ENOMEM). An error before execve throws, its
   * .syscall naming the step ("setns", "chdir", "execve", …).
   */
  nsExec(o: NsExecOptions): { pid: number; pidfd: number; master?: number; slave?: number };
  /** chapter 04's seccompLoad with compileOnly: the filter built by libseccomp, returned as BPF (struct sock_filter[]) instead of loaded */
  seccompLoad(filter: object, compileOnly: true): Buffer;
  // </chapter 05-lifecycle>
  // <chapter 06-network>
  /**
   * a bound AF_NETLINK socket (close-on-exec) of that protocol; with nsfd (an open
   * /proc/PID/ns/net) it is made inside that network namespace, by a short-lived
   * thread that setns(2)'s there (needs CAP_SYS_ADMIN over the namespace), and stays
   * bound to it: the caller's threads never change namespace
   */
  netlinkSocket(protocol: number, nsfd?: number): number;
  /** sendto(2) the kernel (netlink port id 0): one message, or several in one buffer */
  netlinkSend(fd: number, message: Buffer): void;
  /** recv(2) one datagram, blocking: the kernel's answer (one or more messages) */
  netlinkRecv(fd: number): Buffer;
  // </chapter 06-network>
}

const require = createRequire(import.meta.url);
export const native: Addon = require('../native/build/Release/mydocker.node');

/** wait for a child through its pidfd, on Node's event loop */
export function waitPidfd(pidfd: number): Promise<ExitInfo> {
  return new Promise((resolve) => native.waitPidfd(pidfd, resolve));
}

// <sched.h>
export const CLONE_NEWNS = 0x00020000;
// <step 2.4>
export const CLONE_NEWCGROUP = 0x02000000;
// </step 2.4>
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
// <chapter 03-rootfs>
export const MS_RDONLY = 1;
export const MS_REMOUNT = 32;
export const MS_BIND = 4096;
export const MS_STRICTATIME = 1 << 24;
export const MNT_DETACH = 2;

// <sys/file.h>
export const LOCK_EX = 2;
export const LOCK_UN = 8;
// </chapter 03-rootfs>
// <chapter 09-daemon>
/** LOCK_EX | LOCK_NB: take the lock now, or fail (EWOULDBLOCK) if another holds it */
export const LOCK_NB_EX = 2 | 4;
// </chapter 09-daemon>
// <chapter 04-security>
export const OPEN_TREE_CLONE = 1;
export const OPEN_TREE_CLOEXEC = 0o2000000; // O_CLOEXEC
export const MOUNT_ATTR_RDONLY = 0x1;
export const MOUNT_ATTR_NOSUID = 0x2;
export const MOUNT_ATTR_NODEV = 0x4;
// </chapter 04-security>

// <linux/close_range.h>
export const CLOSE_RANGE_CLOEXEC = 4;
export const O_CLOEXEC = 0o2000000;
export const ALL_FDS = 0xffffffff;
