#!/bin/bash
# Wrong: state believes the record: a container whose init died still says "created" or
# "running" (the original mydocker's `ps` bug, now in the OCI state containerd polls).
# tests: test/chapters/08-oci.test.ts
# expect: state of a dead init is stopped|state tells the truth
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/oci/container.ts" \
  "  if (!alive(r)) return 'stopped';" \
  "  if (!r.pid) return 'stopped'; // WRONG: the pid is never checked"
