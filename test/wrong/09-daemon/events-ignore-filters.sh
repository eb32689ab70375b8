#!/bin/bash
# Wrong: /events accepts ?filters= but sends every event: docker events --filter
# event=die shows the create, the start and the rest too.
# tests: test/chapters/09-images.test.ts
# expect: events
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/daemon/events.ts" \
  "  return (m) => [...want.keys()].every((key) => one(key, m));" \
  "  return (m) => one !== undefined || m === undefined; // WRONG: every event passes"
