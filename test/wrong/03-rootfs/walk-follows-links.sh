#!/bin/bash
# Wrong: the size walk of import and commit asks stat (which follows a symlink)
# instead of the entry's own type, as readdirSync({recursive: true}) does: d/x -> .
# walks for ever, data -> DIR counts the host's files, /d/hostroot -> / walks the host.
# tests: test/chapters/03-robust.test.ts
# expect: loop|host folder|hostroot
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/image/tree.ts" \
  "const { lstatSync, readdirSync } = process.getBuiltinModule('node:fs');" \
  "const { readdirSync, statSync } = process.getBuiltinModule('node:fs');"
replace "$1/src/image/tree.ts" \
  "      if (e.isDirectory()) folders.push(join(at, e.name));
      else if (e.isFile()) sum += lstatSync(join(at, e.name)).size;" \
  "      const st = statSync(join(at, e.name)); // WRONG: follows the link
      if (st.isDirectory()) folders.push(join(at, e.name));
      else if (st.isFile()) sum += st.size;"
