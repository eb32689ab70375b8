#!/bin/bash
# Wrong: no limit on how long a registry may keep us waiting (MYDOCKER_REGISTRY_TIMEOUT_MS
# ignored, and Node's requests wait for ever): a registry that accepts the connection and
# never answers, or stops half-way through a layer, hangs `pull`.
# tests: test/chapters/07-images.test.ts
# expect: never answers
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/image/registry/http.ts" \
  "  if (Number.isFinite(ms) && ms > 0) return { connect: ms, headers: ms, idle: ms };" \
  "  void ms; // WRONG: the override is ignored"
replace "$1/src/image/registry/http.ts" \
  "  return { connect: 30_000, headers: 60_000, idle: 60_000 };" \
  "  return { connect: 2_000_000_000, headers: 2_000_000_000, idle: 2_000_000_000 }; // WRONG: no limit"
