#!/bin/bash
# Wrong: no new UTS namespace, so the container's hostname is the host's, and setting it
# renames the host. The tests must say so without renaming the machine (their guard, and
# the sandbox's own UTS namespace).
# tests: test/chapters/01-namespaces.test.ts
# expect: namespaces are new|hostname
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/container/process.ts" \
  "const CLONE_FLAGS = CLONE_NEWUTS | CLONE_NEWPID" \
  "void CLONE_NEWUTS; // WRONG: no UTS namespace
const CLONE_FLAGS = CLONE_NEWPID"
