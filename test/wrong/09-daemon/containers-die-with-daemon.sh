#!/bin/bash
# Wrong: the daemon never lets go of the monitors it starts (no 'd' on their control
# pipe): they keep their parent-death signal, so kill -9 of the daemon would kill every
# container it started. A monitor never let go also never finishes (it waits for its
# owner to go before it writes the end down), so the first test to see it is a wait
# that never answers.
# tests: test/chapters/09-daemon.test.ts
# expect: containers outlive the daemon|wait
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/lifecycle/step.ts" \
  "    monitor.detach();" \
  "    if (!process.argv[1]?.includes('daemon')) monitor.detach(); // WRONG: the daemon's containers stay tied to it"
