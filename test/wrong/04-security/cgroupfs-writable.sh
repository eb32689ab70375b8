#!/bin/bash
# Wrong: the container's cgroups are bound into /sys/fs/cgroup read-write, so it can
# lift its own limits.
# tests: test/chapters/04-contain.test.ts
# expect: cgroup
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/security/cgroupfs.ts" \
  "  native.mount(null, target, null, MS_BIND | MS_REMOUNT | MS_RDONLY | MOUNT_FLAGS, null);" \
  "  void MS_RDONLY; native.mount(null, target, null, MS_BIND | MS_REMOUNT | MOUNT_FLAGS, null); // WRONG: read-write"
