#!/bin/bash
# Wrong: node-tar makes each symlink as it meets it, instead of the unpacker making
# them last with their targets exactly as written: node-tar strips the leading "/",
# so /bin/sh -> /bin/busybox becomes bin/sh -> bin/busybox (that is, /bin/bin/busybox)
# and the image's commands are not found.
# tests: test/chapters/03-rootfs.test.ts test/chapters/03-images.test.ts
# expect: image's files|becomes an image
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/image/layer.ts" \
  "        if (e.type === 'SymbolicLink') {
          links.set(name, { path: name, target: String(e.linkpath), uid: e.uid ?? 0, gid: e.gid ?? 0 });
          return false;
        }" \
  "        if (e.type === 'SymbolicLink') return true; // WRONG: node-tar makes it at once"
