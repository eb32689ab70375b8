#!/bin/bash
# Wrong: stats reports the machine's memory as every container's limit instead of
# reading the limit of the container's cgroup (docker stats shows 64MiB for --memory 64m).
# tests: test/chapters/09-daemon.test.ts
# expect: docker stats
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/lifecycle/stats.ts" \
  "    name: \`/\${c.config.name}\`," \
  "    name: \`/\${c.config.name}\`,
    memory_stats: { usage: 0, limit: totalmem(), stats: {} }, // WRONG: not the cgroup's numbers"
