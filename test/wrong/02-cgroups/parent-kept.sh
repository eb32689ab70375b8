#!/bin/bash
# Wrong: the parent levels a run had to make (the default mydocker/) are never removed:
# every container's own cgroup goes, but mydocker/ stays behind on the machine forever.
# tests: test/chapters/02-cgroups.test.ts
# expect: the parent level mydocker/ that the run made is gone too
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/cgroups/fs.ts" \
  'if (this.leaves.includes(dir)) continue;' \
  'continue; // WRONG: the parents this run made stay'
