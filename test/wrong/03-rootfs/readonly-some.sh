#!/bin/bash
# Wrong: of the read-only paths only /proc/sys and /proc/sysrq-trigger (the ones an
# older test wrote to) are read-only; /proc/bus, /proc/fs, /proc/irq stay writable.
# tests: test/chapters/03-rootfs.test.ts
# expect: every read-only path is read-only
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/rootfs/setup.ts" \
  "for (const p of r.readonlyPaths) readonly(root, p);" \
  "for (const p of r.readonlyPaths) if (['/proc/sys', '/proc/sysrq-trigger'].includes(p)) readonly(root, p); // WRONG: some only"
