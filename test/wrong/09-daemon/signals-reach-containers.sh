#!/bin/bash
# Wrong: the daemon starts containers through the CLI's front door, which hands the
# starting process's signals to the container: SIGHUP or SIGTERM of the daemon then
# reaches every container it started (and each start leaks six listeners).
# tests: test/chapters/09-daemon.test.ts
# expect: SIGTERM stops it cleanly
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/lifecycle/start.ts" \
  "  return run(root, o, attach ? foreground : {}, id, steps.map((s) => (s === recordStep ? reopenStep : s)));" \
  "  return run(root, o, foreground, id, steps.map((s) => (s === recordStep ? reopenStep : s))); // WRONG: the daemon's signals are the containers'"
