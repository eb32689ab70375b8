#!/bin/bash
# Wrong: /sys is mounted read-write: a container root could write the host kernel's
# sysfs attributes. (`touch /sys/x` fails with EACCES on a writable sysfs too: only the
# mount flag or EROFS shows it.)
# tests: test/chapters/03-rootfs.test.ts
# expect: /sys is mounted read-only
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/rootfs/setup.ts" \
  "mountTo(root, '/sys', 'sysfs', MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY);" \
  "mountTo(root, '/sys', 'sysfs', MS_NOSUID | MS_NODEV | MS_NOEXEC); // WRONG: read-write"
