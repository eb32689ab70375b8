#!/usr/bin/env bash
# linux.namespaces entries with a path make a new namespace, as if the path were not
# there: the container looks isolated, but it is not in the namespace it was given
# (a pod's containers would not share their network) — the mistake of a runtime that
# maps each type to its CLONE_NEW* flag and never reads `path`.
# tests: test/chapters/08-oci.test.ts
# expect: a path is joined
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/oci/config.ts" \
  "    const type = n.type as NamespaceType;" \
  "    const type = n.type as NamespaceType;
    n.path = undefined; // WRONG: the path is ignored, a new namespace made"
