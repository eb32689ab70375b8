#!/bin/bash
# Wrong: exec start runs the command but never keeps its exit code: exec json says 0,
# so `docker exec` exits 0 whatever the command did.
# tests: test/chapters/09-daemon.test.ts
# expect: docker exec
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/daemon/exec.ts" \
  "    e.ExitCode = await execCommand(root, e.ContainerID, { ...options, detach: false, io: connectionIO(out, call.socket, e) });" \
  "    await execCommand(root, e.ContainerID, { ...options, detach: false, io: connectionIO(out, call.socket, e) });
    e.ExitCode = 0; // WRONG: the command's own status is dropped"
