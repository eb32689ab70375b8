#!/bin/bash
# Wrong: wait answers at once, with whatever exit code the record holds, instead of
# blocking until the container has ended: `docker run` exits 0 whatever the
# container's status, `docker wait` prints 0.
# tests: test/chapters/09-daemon.test.ts
# expect: run --rm|wait
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/daemon/containers.ts" \
  "    last = s;" \
  "    last = s;
    if (last) return true; // WRONG: does not wait for the end"
