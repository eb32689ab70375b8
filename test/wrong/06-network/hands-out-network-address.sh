#!/bin/bash
# Wrong: the allocator skips only the gateway, so the subnet's own network address
# (and its broadcast) are handed out (the original book's offset arithmetic did).
# tests: test/chapters/06-network.test.ts
# expect: /30|network, gateway or broadcast
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/network/ipam.ts" \
  "  const reserved = new Set([subnet.base, ipToInt(pool.gateway), broadcast(subnet)]);" \
  "  const reserved = new Set([ipToInt(pool.gateway)]); // WRONG: network and broadcast addresses are free"
