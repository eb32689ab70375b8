#!/usr/bin/env bash
# exec --process joins every namespace of the init but its PID namespace: the process
# sees the container's /proc (the mount namespace) but is not in it — the mistake of a
# runtime that setns's into pid and execs without the second clone, or skips pid.
# tests: test/chapters/08-oci.test.ts
# expect: create leaves the command waiting in its namespaces; start runs it
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/oci/exec.ts" \
  "        namespaces," \
  "        namespaces: namespaces.filter((_, i, all) => i !== all.length - 2), // WRONG: every namespace but pid (pid is joined before mnt, the last)"
