#!/bin/bash
# Wrong: no new mount namespace, so the container's /proc mount (and any mount made
# inside) lands in the host's mount table. The sandbox keeps that damage to itself.
# tests: test/chapters/01-namespaces.test.ts
# expect: .
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/container/process.ts" \
  "CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC" \
  "CLONE_NEWPID | (0 & CLONE_NEWNS) | CLONE_NEWIPC /* WRONG: no mount namespace */"
