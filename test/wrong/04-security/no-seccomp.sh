#!/bin/bash
# Wrong: the seccomp filter is resolved but never loaded (the capabilities are right,
# so every capability test passes; unshare, keyctl, bpf… stay open).
# tests: test/chapters/04-security.test.ts
# expect: seccomp
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/security/apply.ts" \
  "  security.seccompLoad(f);" \
  "  void f; void security.seccompLoad; // WRONG: never loaded"
