#!/bin/bash
# Wrong: the IPAM file is read and written without a shared lock (the original book's
# bug; here each run locks a file of its own, which excludes nobody): two runs at once
# read the same allocations and hand out one address twice, or one overwrites the
# other's allocation.
# tests: test/chapters/06-network.test.ts
# expect: concurrent runs get distinct addresses
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/network/store.ts" \
  "export const withNetworks = <T>(root: string, fn: () => T): T => withLock(networksDir(root), fn);" \
  "export const withNetworks = <T>(root: string, fn: () => T): T => (process.getBuiltinModule('node:fs').mkdirSync(networksDir(root), { recursive: true }), withLock(join(networksDir(root), \`run-\${process.pid}\`), fn)); // WRONG: a lock of its own"
