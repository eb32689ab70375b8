// chapter: 04-security
// Typed wrappers over the addon's credential and seccomp calls (native/security.cc).
// Thin: each is one system call (or one libseccomp build), no policy. Errors carry
// .code (the errno name), .errno and .syscall, as every addon error does.
// Credentials belong to a thread: capset, PR_SET_KEEPCAPS, PR_SET_NO_NEW_PRIVS and
// seccomp change only the calling thread, which is enough when that thread calls
// execve next (the new program keeps the caller's credentials, the other threads
// die). setresuid, setresgid and setgroups go through glibc, which applies them
// to every thread of the process.
import { native } from '../native.js';

export interface CapSets {
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
}

/** a seccomp filter with every profile condition already resolved (see seccomp.ts) */
export interface SeccompFilter {
  /** SCMP_ACT_ERRNO, SCMP_ACT_ALLOW, SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP, SCMP_ACT_TRACE, SCMP_ACT_LOG */
  defaultAction: string;
  /** the errno of an SCMP_ACT_ERRNO default action (EPERM when absent) */
  defaultErrno?: number;
  /** libseccomp's names: x86_64, x86, x32, aarch64, arm, … (the native one is always in) */
  architectures: string[];
  rules: SeccompRule[];
}

export interface SeccompRule {
  names: string[];
  action: string;
  /** the errno of SCMP_ACT_ERRNO (EPERM when absent), the message of SCMP_ACT_TRACE */
  errno?: number;
  /** all must hold (libseccomp ANDs them); one condition per argument index */
  args: SeccompArg[];
}

export interface SeccompArg {
  index: number;
  value: number;
  /** the second operand: the value SCMP_CMP_MASKED_EQ compares the masked argument to */
  valueTwo?: number;
  /** SCMP_CMP_NE, _LT, _LE, _EQ, _GE, _GT, _MASKED_EQ */
  op: string;
}

interface SecurityAddon {
  capget(): CapSets;
  capset(effective: bigint, permitted: bigint, inheritable: bigint): void;
  capbsetDrop(cap: number): void;
  capbsetRead(cap: number): boolean;
  ambientClearAll(): void;
  setNoNewPrivs(): void;
  setKeepCaps(on: boolean): void;
  setresuid(ruid: number, euid: number, suid: number): void;
  setresgid(rgid: number, egid: number, sgid: number): void;
  setgroups(gids: number[]): void;
  seccompLoad(filter: SeccompFilter): string[];
  seccompLoad(filter: SeccompFilter, compileOnly: true): Buffer;
  seccompLoadBpf(bpf: Buffer): void;
  // <chapter 08-oci>
  // an OCI config's ambient capabilities and rlimits (native/oci.cc)
  ambientRaise(cap: number): void;
  setrlimit(resource: number, soft: number, hard: number): void;
  // </chapter 08-oci>
}

const addon = native as unknown as SecurityAddon;

export const security = {
  /** capget(2): the calling thread's effective, permitted and inheritable sets (bit N = capability N) */
  capget: (): CapSets => addon.capget(),
  /**
   * capset(2) on the calling thread. The kernel refuses (EPERM) a permitted set
   * larger than the current one, an effective set outside the new permitted set,
   * and an inheritable set outside permitted ∪ (inheritable ∩ bounding) unless the
   * thread has CAP_SETPCAP.
   */
  capset: (s: CapSets): void => addon.capset(s.effective, s.permitted, s.inheritable),
  /** prctl(PR_CAPBSET_DROP): for good, for this thread and what it execs. Needs CAP_SETPCAP in the effective set; EINVAL for a number above cap_last_cap */
  capbsetDrop: (cap: number): void => addon.capbsetDrop(cap),
  /** prctl(PR_CAPBSET_READ): whether cap is in the bounding set (EINVAL above cap_last_cap) */
  capbsetRead: (cap: number): boolean => addon.capbsetRead(cap),
  /** prctl(PR_CAP_AMBIENT_CLEAR_ALL): no capability survives an execve through the ambient set. Unprivileged */
  ambientClearAll: (): void => addon.ambientClearAll(),
  /**
   * prctl(PR_SET_NO_NEW_PRIVS, 1): from here on execve never grants privileges
   * (setuid/setgid bits and file capabilities are ignored); cannot be undone,
   * inherited by children. Unprivileged.
   */
  setNoNewPrivs: (): void => addon.setNoNewPrivs(),
  /** prctl(PR_SET_KEEPCAPS): keep the permitted set when every uid leaves 0 (the effective set is cleared anyway). Cleared by execve */
  setKeepCaps: (on: boolean): void => addon.setKeepCaps(on),
  /** setresuid(2) for every thread; needs CAP_SETUID to take ids other than the current ones. Without KEEPCAPS, leaving uid 0 empties the permitted and effective sets */
  setresuid: (uid: number): void => addon.setresuid(uid, uid, uid),
  /** setresgid(2) for every thread; needs CAP_SETGID */
  setresgid: (gid: number): void => addon.setresgid(gid, gid, gid),
  /** setgroups(2) for every thread; needs CAP_SETGID. An empty list drops every supplementary group */
  setgroups: (gids: number[]): void => addon.setgroups(gids),
  /**
   * Build the filter with libseccomp and load it on the calling thread (inherited by
   * its children, kept across execve, never removed). libseccomp is told not to set
   * no_new_privs itself, so without no_new_privs the thread needs CAP_SYS_ADMIN (EACCES
   * otherwise). Syscall names this libseccomp does not know are skipped, as docker
   * does: returns them.
   */
  seccompLoad: (f: SeccompFilter): string[] => addon.seccompLoad(f),
  /** the same filter built by libseccomp, returned as BPF (struct sock_filter[]) instead of loaded */
  seccompCompile: (f: SeccompFilter): Buffer => addon.seccompLoad(f, true),
  /** seccomp(SECCOMP_SET_MODE_FILTER, 0, BPF) on the calling thread: a filter seccompCompile built. Needs no_new_privs or CAP_SYS_ADMIN */
  seccompLoadBpf: (bpf: Buffer): void => addon.seccompLoadBpf(bpf),
  // <chapter 08-oci>
  /** prctl(PR_CAP_AMBIENT_RAISE): cap stays through execve of a file without capabilities; it must be permitted and inheritable (EPERM otherwise) */
  ambientRaise: (cap: number): void => addon.ambientRaise(cap),
  /** setrlimit(2) of this process (kept across execve); raising a hard limit needs CAP_SYS_RESOURCE */
  setrlimit: (resource: number, soft: number, hard: number): void => addon.setrlimit(resource, soft, hard),
  // </chapter 08-oci>
};
