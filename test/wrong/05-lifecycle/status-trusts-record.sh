#!/bin/bash
# Wrong: ps/inspect trust state.json's "running" without checking the process (the
# original book's bug): a container whose monitor was killed still shows "Up".
# tests: test/chapters/05-lifecycle.test.ts
# expect: monitor|status|Up|Exited
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/lifecycle/record.ts" \
  "export const isRunning = (s: ContainerState) => s.status === 'running' && alive(s.pid, s.pidStart);" \
  "export const isRunning = (s: ContainerState) => s.status === 'running' || (false && alive(s.pid, s.pidStart)); // WRONG: the record's word"
