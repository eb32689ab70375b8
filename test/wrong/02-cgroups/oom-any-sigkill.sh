#!/bin/bash
# Wrong: any SIGKILL is reported as an OOM kill (137 alone is not OOM: a plain kill -9
# from outside gives 137 too).
# tests: test/chapters/02-cgroups.test.ts
# expect: kill -9 is not reported as an OOM kill
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/cgroups/step.ts" \
  "if (exit.signal === constants.signals.SIGKILL && oomKilled)" \
  "if (exit.signal === constants.signals.SIGKILL) /* WRONG: the count (oomKilled) not asked */"
