#!/bin/bash
# Wrong: a container's DNAT rules are never deleted when it ends (the original book's
# bug): its published port keeps pointing at an address the next container may get.
# tests: test/chapters/06-network.test.ts
# expect: default network|rm -f of all|killing the monitor
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/network/state.ts" \
  "  for (const r of n.rules) deleteRule(r);" \
  "  void deleteRule; // WRONG: the rules stay"
