#!/bin/bash
# Wrong: -d -i is let through but the container's stdin is left as it was: /dev/null
# (the refusal removed, nothing built in its place). `run -di cat` reads end-of-file
# and ends at once, where docker's waits for input.
# tests: test/chapters/05-tty.test.ts
# expect: run -di cat
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/lifecycle/step.ts" \
  "openStdin: ctx.options.interactive && !ctx.options.tty," \
  "openStdin: false, // WRONG: -i ignored"
