#!/bin/bash
# Wrong: chroot(2) instead of pivot_root. The host's root stays the mount namespace's
# root, and a root process in the container climbs back to it (the classic escape:
# chroot into a subdirectory, chdir .. repeatedly, chroot .). The init has no chroot of
# its own, so it execs the host's chroot(8) with the command.
# tests: test/chapters/03-rootfs.test.ts
# expect: chroot escape
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/rootfs/setup.ts" \
  "  pivot(root);" \
  "  void pivot; process.chdir(root); process.env.WRONG_CHROOT = root; // WRONG: chroot(8) at exec, no pivot_root"
replace "$1/src/init.ts" \
  "native.execve(file, spec.args, spec.env);" \
  "if (process.env.WRONG_CHROOT) native.execve('/usr/sbin/chroot', ['chroot', process.env.WRONG_CHROOT, ...spec.args], spec.env); // WRONG
    native.execve(file, spec.args, spec.env);"
