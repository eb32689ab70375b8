#!/bin/bash
# Wrong: a command that cannot run gets one exit code whatever the reason (126), where
# dockerd gives 127 for one that is not there.
# tests: test/chapters/09-daemon.test.ts
# expect: docker exec
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/daemon/exec.ts" \
  "    e.ExitCode = err instanceof RuntimeError && (err.kind === 'commandNotFound' || err.kind === 'cannotRun') ? ERROR_KINDS[err.kind].exit : 126;" \
  "    e.ExitCode = err instanceof RuntimeError && err.kind === 'runtime' ? ERROR_KINDS[err.kind].exit : 126; // WRONG: 126 for every reason"
