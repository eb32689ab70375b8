#!/bin/bash
# Wrong: the sweep keeps the record of a run killed before its command started (its
# cgroups go, the record stays and says "created"): `ps -a` lists a container that no
# command ever finished making.
# tests: test/chapters/05-manage.test.ts
# expect: run -d killed
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/container/sweep.ts" \
  "    let unfinished = state.status === 'created' && state.error === undefined;" \
  "    let unfinished = (state.status as string) === 'never'; // WRONG: a killed run's \"created\" record stays"
