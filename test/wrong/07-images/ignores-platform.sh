#!/bin/bash
# Wrong: a multi-platform index is answered with its first image, whatever the
# platform asked for (it happens to work on the machine the index lists first).
# tests: test/chapters/07-images.test.ts
# expect: two-platform index
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/image/registry/pull.ts" \
  "    const entry = choosePlatform(parsed.index, platform, familiar(ref));
    checkDigest(entry.digest);" \
  "    const entry = parsed.index.manifests[0]; // WRONG: the first image, whatever its platform
    void choosePlatform;
    checkDigest(entry.digest);"
