#!/bin/bash
# Wrong: the init does not close its fds above 2 before execve, and its spec pipe (fd 3)
# is inheritable, as a dup2'd fd is in a runtime written in C or Go: the command gets the
# runtime's fd (CVE-2024-21626 was such a leak: an fd to a host directory).
# tests: test/chapters/01-namespaces.test.ts
# expect: only fds 0, 1 and 2 reach the command
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/init.ts" \
  "native.closeRange(SPEC_FD, ALL_FDS, CLOSE_RANGE_CLOEXEC);" \
  "void (ALL_FDS | CLOSE_RANGE_CLOEXEC); native.dup2(SPEC_FD, 9); // WRONG: no fd closed, and a copy of fd 3 without close-on-exec reaches the command"
