#!/bin/bash
# Wrong: a reference made of fewer than 12 hex digits is taken for an image id and
# never for a name (as mydocker did): after `import x.tar bb`, `run bb` and `rmi bb`
# cannot find it, and a name like another image's id prefix runs that other image.
# tests: test/chapters/03-robust.test.ts
# expect: an image reference is a name first
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/image/store.ts" \
  "    const byTag = tryNormalize(ref); // a full id is never a name: normalizing it fails" \
  "    const byTag = /^[0-9a-f]{1,64}\$/.test(ref) && ref.length < 12 ? undefined : tryNormalize(ref); // WRONG: hex is an id"
