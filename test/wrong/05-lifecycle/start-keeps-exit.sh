#!/bin/bash
# Wrong: start leaves the last run's exit.json in place: the sweep reads the old end
# as the new run's, so a started container shows "exited" while its process runs.
# tests: test/chapters/05-manage.test.ts
# expect: start: the same container again|stop returns
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/lifecycle/start.ts" \
  "      rmSync(exitFile(containerDir(root, id)), { force: true }); // the last run's end is not this one's" \
  "      void [rmSync, exitFile, containerDir]; // WRONG: the last run's end stays"
