#!/bin/bash
# Wrong: exec joins the container's namespaces but not its cgroups: the process stays
# in the CLI's cgroups, outside the container's limits (and inside a cgroup namespace
# its /proc/self/cgroup still reads "/", so only the host's view shows it).
# tests: test/chapters/05-exec.test.ts
# expect: cgroup
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/lifecycle/exec.ts" \
  ".filter((d) => basename(d) === c.config.id)" \
  ".filter((d) => basename(d) === c.config.id && false /* WRONG: never joined */)"
