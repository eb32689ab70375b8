#!/bin/bash
# Wrong: --cpus and --cpu-shares are written to the cpu cgroup, but the process never
# joins the cpu (and cpuacct) hierarchy: the files say 0.5 CPU, the process is unlimited.
# (cgroup v1; on v2 there is one hierarchy and nothing to skip.)
# tests: test/chapters/02-cgroups.test.ts
# expect: in each limited controller's cgroup
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/cgroups/v1.ts" \
  'procs: dirs.leaves.map((d) => `${d}/cgroup.procs`),' \
  'procs: dirs.leaves.filter((d) => !/\/cpu(,cpuacct)?\/|\/cpuacct\//.test(d)).map((d) => `${d}/cgroup.procs`), // WRONG: cpu is not joined'
