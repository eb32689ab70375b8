#!/bin/bash
# Wrong: HostConfig.AutoRemove is passed on as the CLI's --rm: the monitor removes the
# container's folder the moment it ends, before the daemon's waiters have read its exit
# code and its attached clients its last lines (`docker run --rm … exit 3` exits 0, or
# loses the output).
# tests: test/chapters/09-daemon.test.ts
# expect: run --rm
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/daemon/containers.ts" \
  "parseOptions(runArgs(body, call.query.get('name'), cgroupParent), runOptions);" \
  "parseOptions([...((body.HostConfig as { AutoRemove?: boolean } | undefined)?.AutoRemove ? ['--rm'] : []), ...runArgs(body, call.query.get('name'), cgroupParent)], runOptions); // WRONG: the monitor removes it"
replace "$1/src/daemon/containers.ts" \
  "AutoRemove === true) markAutoRemove(root, id);" \
  "AutoRemove === true && !body) markAutoRemove(root, id);"
