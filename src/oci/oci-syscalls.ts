// chapter: 08-oci
// Typed wrappers over the addon's chapter 08 calls (native/oci.cc), one system call
// each, no policy.
import { native } from '../native.js';

interface OciAddon {
  chroot(path: string): void;
  sendFd(socketPath: string, fd: number, name: string): void;
}

const addon = native as unknown as OciAddon;

export const ociNative = {
  /** chroot(2): needs CAP_SYS_CHROOT; the caller chdir's there first */
  chroot: (path: string): void => addon.chroot(path),
  /** connect(2) to a unix stream socket and sendmsg(2) fd with SCM_RIGHTS (runc's --console-socket); the receiver gets its own copy */
  sendFd: (socketPath: string, fd: number, name: string): void => addon.sendFd(socketPath, fd, name),
};
