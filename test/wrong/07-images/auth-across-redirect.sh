#!/bin/bash
# Wrong: redirects are followed with the same headers, so the registry's credentials
# go to whatever host the redirect names (blob storage, or an attacker's server).
# tests: test/chapters/07-images.test.ts
# expect: redirect to another host
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/image/registry/client.ts" \
  "      if (next.origin !== origin) {" \
  "      if (next.origin !== origin && false) { // WRONG: Authorization follows the redirect"
