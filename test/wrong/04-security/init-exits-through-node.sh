#!/bin/bash
# Wrong: the init ends a failed exec with Node's process.exit. Node tears down libuv,
# whose io_uring the container's seccomp filter refuses: libuv prints
# "io_uring_enter(getevents): Operation not permitted" as a second line.
# tests: test/chapters/04-security.test.ts
# expect: a failed exec under the seccomp filter
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/init.ts" \
  "  native.exitNow(code);" \
  "  process.exit(code); // WRONG: Node's exit, libuv's teardown under the filter"
