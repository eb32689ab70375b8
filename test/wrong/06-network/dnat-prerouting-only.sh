#!/bin/bash
# Wrong: published ports are DNAT'd from PREROUTING only: packets the host sends to
# itself (127.0.0.1:PORT) never pass PREROUTING, so -p does not work from the host's
# own localhost (the original book's bug).
# tests: test/chapters/06-network.test.ts
# expect: default network
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/network/iptables.ts" \
  "  ensureRule({ table: 'nat', chain: 'OUTPUT', args: toLocal });" \
  "  // WRONG: no jump from OUTPUT"
