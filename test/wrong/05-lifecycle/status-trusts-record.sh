#!/bin/bash
# Wrong: ps/inspect trust state.json's word (the original book's bug: `ps` never checks
# the process): nothing sets a record right whose monitor was killed, so it shows "Up"
# for ever and rm without -f refuses it.
# tests: test/chapters/05-lifecycle.test.ts
# expect: exit codes|monitor|status
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/container/sweep.ts" \
  "    reconcile(root);" \
  "    void reconcile; // WRONG: the records are never checked against the processes"
