#!/bin/bash
# Wrong: a blob is counted but never hashed against the digest it was asked for (the
# server's word is taken): a corrupted or substituted layer enters the store.
# tests: test/chapters/07-images.test.ts
# expect: corrupted blob
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/image/registry/blobs.ts" \
  "  if (n !== d.size || \`sha256:\${hash.digest('hex')}\` !== d.digest) {" \
  "  if (n !== d.size) { // WRONG: the digest is never compared"
