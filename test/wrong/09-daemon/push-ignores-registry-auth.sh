#!/bin/bash
# Wrong: push ignores X-Registry-Auth (the credentials the docker CLI sends from its
# own `docker login`): a registry that wants a password refuses every push.
# tests: test/chapters/09-images.test.ts
# expect: login .*push
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/daemon/registry.ts" \
  "await pushImage(root, name, progress.stream, false, credentials);" \
  "await pushImage(root, name, progress.stream, false, credentials && undefined); // WRONG: the client's credentials dropped"
