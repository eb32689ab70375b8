#!/bin/bash
# Wrong: attach (and logs) write the container's output raw even without a TTY: stdout
# and stderr share one stream, and no client can tell them apart (docker's 8-byte frames
# are what keep them apart).
# tests: test/chapters/09-daemon.test.ts
# expect: seed 004's sequence|run --rm
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/daemon/frames.ts" \
  "return (stream, data) => void out.write(tty ? data : frame(stream, data));" \
  "return (stream, data) => void out.write(tty || stream ? data : frame(stream, data)); // WRONG: never framed"
