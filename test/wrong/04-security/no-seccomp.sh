#!/bin/bash
# Wrong: the seccomp filter is resolved but never loaded (the capabilities are right,
# so every capability test passes; unshare, keyctl, bpf… stay open).
# tests: test/chapters/04-security.test.ts
# expect: seccomp
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/security/apply.ts" \
  "  if (s.seccompBpf) security.seccompLoadBpf(Buffer.from(s.seccompBpf, 'base64'));
  else security.seccompLoad(s.seccomp!);" \
  "  void s; void security.seccompLoadBpf; void security.seccompLoad; // WRONG: never loaded"
