#!/bin/bash
# Wrong: docker load unpacks the archive's entries as they are named: one called
# ../../../tmp/x is written outside the scratch folder (and the store).
# tests: test/chapters/09-images.test.ts
# expect: climbs out
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/image/archive.ts" \
  "        const rel = archiveName(entry.path);" \
  "        const rel = entry.path; // WRONG: the name is not checked"
replace "$1/src/image/archive.ts" \
  "writes.push(pipeline(entry, createWriteStream(pathInside(dir, rel), { flags: 'wx', mode: 0o600 })));" \
  "writes.push(pipeline(entry, createWriteStream(join(dir, rel), { mode: 0o600 }))); // WRONG: joined, not kept inside"
