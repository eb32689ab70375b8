#!/bin/bash
# Wrong: docker load keeps the archive's symlinks and follows them: a layer.tar that
# is a symlink to a file of the host's is read as the layer.
# tests: test/chapters/09-images.test.ts
# expect: symlink
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/image/archive.ts" \
  "        if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'ContiguousFile') {" \
  "        if (entry.type === 'SymbolicLink') {
          process.getBuiltinModule('node:fs').symlinkSync(entry.linkpath!, pathInside(dir, rel)); // WRONG: kept
          return void entry.resume();
        }
        if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'ContiguousFile') {"
replace "$1/src/image/archive.ts" \
  "          const what = entry.type === 'SymbolicLink' ? 'a symlink' : entry.type === 'Link' ? 'a hard link' : \`a \${entry.type}\`;" \
  "          const what = \`a \${entry.type}\`;"
replace "$1/src/image/archive.ts" \
  "  if (!st.isFile()) throw" \
  "  if (!st.isFile() && !st.isSymbolicLink()) throw"
