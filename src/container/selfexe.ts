// chapter: 04-security step 4.6
// CVE-2019-5736: the container's init is the host's node binary, re-executed. A
// container whose command is /proc/self/exe (or a #! line naming it) makes the init
// execve that very file inside the container; from there /proc/self/exe is a handle
// on the host's runtime binary, and once no process runs it any more (the kernel's
// ETXTBSY lasts only that long) it can be opened for writing and the host's next
// `mydocker` runs the attacker's code as root.
//
// The defence costs no copy: the init is started from a read-only bind mount of the
// binary that is attached to no mount namespace at all. open_tree(OPEN_TREE_CLONE)
// makes the bind mount detached, mount_setattr makes it read-only, and exec through
// /proc/self/fd/N makes it the init's /proc/self/exe — and that of anything the init
// execve's. Every write-open through it fails with EROFS. The mount cannot be made
// writable again from inside: it is in no namespace (remount: EINVAL) and, once we
// close our fd, no longer in the anonymous one open_tree made (mount_setattr and a
// new open_tree clone: EINVAL). runc 1.2 reaches the same end with a detached
// lower-only overlayfs (libcontainer/exeseal), runc 1.0 with a sealed memfd copy —
// a copy of a ~100 MB node binary per container would cost tens of ms and 100 MB.
// `exec` (chapter 05) seals its small stub the same way (sealedFile).
const { closeSync } = process.getBuiltinModule('node:fs');
import { MOUNT_ATTR_NODEV, MOUNT_ATTR_NOSUID, MOUNT_ATTR_RDONLY, OPEN_TREE_CLOEXEC, OPEN_TREE_CLONE, native } from '../native.js';
import { RuntimeError } from '../errors.js';

export interface SealedExe {
  /** what to execve: /proc/self/fd/N, our own binary on the read-only detached mount */
  file: string;
  /** the fd itself (close-on-exec), for execveat(fd, "", AT_EMPTY_PATH) */
  fd: number;
  /** call once the init has exec'd: the mount then lives only as long as the processes running it */
  close(): void;
}

export function sealedSelfExe(): SealedExe {
  return sealedFile('/proc/self/exe');
}

/** path (a file of ours), as seen through a read-only bind mount attached to no namespace */
// <replaced-by 05-lifecycle>
//~ function sealedFile(path: string): SealedExe {
// </replaced-by 05-lifecycle>
// <chapter 05-lifecycle>
export function sealedFile(path: string): SealedExe {
// </chapter 05-lifecycle>
  let fd: number;
  try {
    fd = native.openTree(path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  } catch (e) {
    throw new RuntimeError(`cannot protect the runtime binary (CVE-2019-5736): ${(e as Error).message} (needs Linux 5.12)`, 'runtime', { cause: e });
  }
  try {
    native.mountSetattr(fd, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
  } catch (e) {
    closeSync(fd);
    throw new RuntimeError(`cannot protect the runtime binary (CVE-2019-5736): ${(e as Error).message} (needs Linux 5.12)`, 'runtime', { cause: e });
  }
  // the fd is close-on-exec: the kernel opens the file before it closes such fds
  return { file: `/proc/self/fd/${fd}`, fd, close: () => closeSync(fd) };
}
