#!/bin/bash
# Wrong: the hostname is set, but the command's environment has no HOSTNAME (docker puts
# it there): `echo $HOSTNAME` prints an empty line.
# tests: test/chapters/01-namespaces.test.ts
# expect: HOSTNAME
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/container/config.ts" \
  'put(`HOSTNAME=${hostname}`);' \
  'void hostname; // WRONG: no HOSTNAME in the environment'
