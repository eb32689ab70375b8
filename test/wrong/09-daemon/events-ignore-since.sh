#!/bin/bash
# Wrong: /events sends every event it remembers, whatever ?since= and ?until= say.
# tests: test/chapters/09-images.test.ts
# expect: events
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/daemon/events.ts" \
  "        if (since !== undefined) past.filter(inTime).forEach(send);" \
  "        if (since !== undefined) past.filter(() => inTime !== undefined).forEach(send); // WRONG: no time window"
