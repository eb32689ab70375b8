#!/bin/bash
# Wrong: node-tar's complaints about an entry (a hard link to a file the layer does
# not have, a name the kernel refuses, a truncated archive) are dropped: the layer is
# stored with whatever got written, a partial image that runs.
# tests: test/chapters/03-images.test.ts test/chapters/03-robust.test.ts
# expect: refused
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/image/layer.ts" \
  "        failure ??= entryError(message, data as EntryWarning, dest);" \
  "        void [message, data]; // WRONG: the entry is skipped, the layer kept"
