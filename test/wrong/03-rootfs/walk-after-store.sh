#!/bin/bash
# Wrong: import moves the unpacked layer into the store first and measures it there
# (as mydocker did): when the walk fails, the layer stays behind in images/layers.
# tests: test/chapters/03-robust.test.ts
# expect: failed import or commit
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/image/import.ts" \
  "  return { ...layer, dir, unpacked: treeSize(dir, limits.entries) };" \
  "  mkdirSync(join(store.dir, 'layers'), { recursive: true });
  try {
    renameSync(dir, layerDir); // WRONG: in the store before it is measured
  } catch {
    // another import of the same content got there first
  }
  return { ...layer, unpacked: treeSize(layerDir, limits.entries) };"
