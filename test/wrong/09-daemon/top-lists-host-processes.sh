#!/bin/bash
# Wrong: top answers the host's ps as it is, not only the rows of the container's cgroup.
# tests: test/chapters/09-daemon.test.ts
# expect: docker top
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/lifecycle/top.ts" \
  "    .filter((f) => pids.has(Number(f[at])));" \
  "    .filter((f) => pids.size >= 0 || f[at]); // WRONG: every process of the machine"
