#!/bin/bash
# Wrong: the store keeps the modes mkdir gives it (0755): a host user walks into a
# container's writable layer and runs what the container left there.
# tests: test/chapters/04-contain.test.ts
# expect: store|host user
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/security/store-perms.ts" \
  "    chmodSync(dir, mode); // made before us, or by an older version, with looser modes" \
  "    chmodSync(dir, 0o755); // WRONG: anyone may enter"
