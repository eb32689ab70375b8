#!/bin/bash
# Wrong: the layer blob is verified, but its uncompressed content is never compared
# with the config's diff id: the image id (the config's digest) no longer names the
# files the container runs on.
# tests: test/chapters/07-images.test.ts
# expect: diff id
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/image/registry/pull.ts" \
  "    if (diffId !== diffIds[i]) throw" \
  "    // WRONG: the uncompressed content is never compared with the config's diff id
    if (diffId !== diffIds[i] && false) throw"
