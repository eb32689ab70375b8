#!/bin/bash
# Wrong: every command takes --root over, as mydocker did before: a missing folder is
# made even by `ps`, a folder holding something else (--root /etc) is filled with the
# store's folders and re-moded 0710, locking its users out.
# tests: test/chapters/04-contain.test.ts
# expect: --root
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/cli/main.ts" \
  "    if (code === 'ENOENT' && !writes) return; // nothing stored yet: the command finds nothing" \
  "    if (code === 'ENOENT' && !writes) return makeRoot(root, refuse); // WRONG: a command that only reads makes the root too"
replace "$1/src/cli/main.ts" \
  "  if (entries.length && !entries.some((e) => STORE_ENTRIES.includes(e))) {" \
  "  if (entries.length < 0) { // WRONG: whatever the folder holds, it becomes a store"
replace "$1/src/cli/main.ts" \
  "  if (command.root && writes) (await import('../security/store-perms.js')).makeStorePrivate(root); // 0710/0700, as docker's" \
  "  if (command.root) (await import('../security/store-perms.js')).makeStorePrivate(root); // WRONG: reading chmods too"
