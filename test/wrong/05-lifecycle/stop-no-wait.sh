#!/bin/bash
# Wrong: stop sends the stop signal and reports success at once, without waiting for
# the container to end (nor killing it after the grace period): right after `stop`
# the process still runs and the record still says running.
# tests: test/chapters/05-manage.test.ts
# expect: stop returns once the container has exited|start: the same container again
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/lifecycle/signal.ts" \
  "  if (signal(c, c.state.stopSignal ?? constants.signals.SIGTERM)) {" \
  "  if (signal(c, c.state.stopSignal ?? constants.signals.SIGTERM)) return; // WRONG: signalled is not stopped
  if (id === '') {"
