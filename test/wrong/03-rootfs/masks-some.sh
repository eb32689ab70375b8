#!/bin/bash
# Wrong: only the paths an older test read are masked (kcore, keys, timer_list,
# interrupts, sched_debug, /sys/firmware); /proc/acpi, /proc/scsi, … stay visible.
# tests: test/chapters/03-rootfs.test.ts
# expect: every masked path is hidden
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/rootfs/setup.ts" \
  "for (const p of r.maskedPaths) mask(root, p);" \
  "for (const p of r.maskedPaths) if (['/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/interrupts', '/proc/sched_debug', '/sys/firmware'].includes(p)) mask(root, p); // WRONG: some only"
