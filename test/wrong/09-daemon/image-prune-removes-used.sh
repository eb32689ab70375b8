#!/bin/bash
# Wrong: image prune -a removes every image, also the one a container was made from.
# tests: test/chapters/09-images.test.ts
# expect: image prune
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/image/commands.ts" \
  "    .filter((i) => !used.has(i.id) && (all || i.tags.length === 0));" \
  "    .filter((i) => used !== undefined && (all || i.tags.length === 0)); // WRONG: in use or not"
