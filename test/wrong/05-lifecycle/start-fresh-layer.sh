#!/bin/bash
# Wrong: start mounts a fresh writable layer (the upper folder made anew, as if the
# container were new), so what the container wrote before the stop is lost.
# tests: test/chapters/05-manage.test.ts
# expect: start: the same container again
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/lifecycle/start.ts" \
  "      rmSync(exitFile(containerDir(root, id)), { force: true }); // the last run's end is not this one's" \
  "      rmSync(exitFile(containerDir(root, id)), { force: true });
      rmSync(\`\${containerDir(root, id)}/upper\`, { recursive: true, force: true }); // WRONG: a fresh layer on every start"
