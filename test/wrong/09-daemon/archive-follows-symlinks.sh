#!/bin/bash
# Wrong: docker cp opens the container's path under /proc/PID/root as it is, so the
# host's kernel follows a symlink inside the container with the host's root: a link
# `/escape -> /some/host/dir` in the container hands the host's files out.
# tests: test/chapters/09-daemon.test.ts
# expect: docker cp
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/lifecycle/archive.ts" \
  "  return { host: join(secureJoin(base, dirname(clean)), basename(clean)), name: basename(clean) };" \
  "  return { host: join(base, clean), name: basename(clean) }; // WRONG: symlinks resolved by the host's kernel, against the host's root"
