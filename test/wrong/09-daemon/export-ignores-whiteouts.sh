#!/bin/bash
# Wrong: export lays the container's layer over its image's but skips overlay's
# whiteouts: a file the container deleted is back in the tar.
# tests: test/chapters/09-images.test.ts
# expect: export
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/image/export.ts" \
  "      rmSync(dst, { recursive: true, force: true }); // overlay's whiteout" \
  "      // WRONG: the whiteout is skipped, the path below it stays"
