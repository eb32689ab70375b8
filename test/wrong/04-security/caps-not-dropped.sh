#!/bin/bash
# Wrong: the bounding set is never cut (capset gives the 14, but a setuid-root binary or
# a file capability gets every capability back).
# tests: test/chapters/04-security.test.ts
# expect: capabilit
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/security/apply.ts" \
  "for (const c of boundingSet()) if (!((caps >> BigInt(c)) & 1n)) security.capbsetDrop(c);" \
  "void boundingSet; // WRONG: the bounding set keeps every capability"
