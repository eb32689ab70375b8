#!/bin/bash
# Wrong: OOMKilled inferred from the exit status (137 = SIGKILL): a plain kill -9 from
# outside then says the OOM killer struck. Only the cgroup's own count can tell.
# tests: test/chapters/05-lifecycle.test.ts
# expect: OOMKilled is the kernel's word
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/lifecycle/inspect.ts" \
  "OOMKilled: s.oomKilled === true," \
  "OOMKilled: s.exitCode === 137, /* WRONG: any SIGKILL */"
