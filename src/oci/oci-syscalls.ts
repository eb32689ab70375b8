// chapter: 08-oci
// Typed wrappers over the addon's chapter 08 calls (native/oci.cc), one system call
// each, no policy.
import { native } from '../native.js';

interface OciAddon {
  ambientRaise(cap: number): void;
  chroot(path: string): void;
  sendFd(socketPath: string, fd: number, name: string): void;
  setrlimit(resource: number, soft: number, hard: number): void;
}

const addon = native as unknown as OciAddon;

export const ociNative = {
  /** chroot(2): needs CAP_SYS_CHROOT; the caller chdir's there first */
  chroot: (path: string): void => addon.chroot(path),
  /** prctl(PR_CAP_AMBIENT_RAISE): cap stays through execve of a file without capabilities; it must be permitted and inheritable (EPERM otherwise) */
  ambientRaise: (cap: number): void => addon.ambientRaise(cap),
  /** connect(2) to a unix stream socket and sendmsg(2) fd with SCM_RIGHTS (runc's --console-socket); the receiver gets its own copy */
  sendFd: (socketPath: string, fd: number, name: string): void => addon.sendFd(socketPath, fd, name),
  /** setrlimit(2) of this process (kept across execve); raising a hard limit needs CAP_SYS_RESOURCE */
  setrlimit: (resource: number, soft: number, hard: number): void => addon.setrlimit(resource, soft, hard),
};
