#!/bin/bash
# Wrong: the startContainer hooks run when the init has set up, at create, instead of
# at `start`: a hook that prepares the command (or records that it starts) runs for a
# container that may never be started.
# tests: test/chapters/08-runtime.test.ts
# expect: hooks: createRuntime, then createContainer
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/oci/start-fifo.ts" \
  "    startContainerHooks(spec.oci!.hooks); // in the container, before the command" \
  ""
replace "$1/src/oci/start-fifo.ts" \
  "    report({ created: true });" \
  "    startContainerHooks(spec.oci!.hooks); // WRONG: at create, not at start
    report({ created: true });"
