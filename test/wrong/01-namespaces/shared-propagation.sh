#!/bin/bash
# Wrong: the init never makes its mounts private. The new mount namespace keeps the
# host's propagation, so a mount made inside under a shared mount shows up on the host
# (the original mydocker's bug on systemd hosts, where / is shared).
# tests: test/chapters/01-namespaces.test.ts
# expect: does not propagate to a shared mount
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/container/namespaces.ts" \
  "    native.mount(null, '/', null, MS_REC | MS_PRIVATE, null);" \
  "    void (MS_REC | MS_PRIVATE); // WRONG: mounts keep the host's (shared) propagation"
