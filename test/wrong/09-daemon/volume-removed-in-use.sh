#!/bin/bash
# Wrong: docker volume rm removes a volume that a container still uses: its files go
# from under the running container.
# tests: test/chapters/09-daemon.test.ts
# expect: docker volume
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/rootfs/volumes.ts" \
  "  if (using.length) throw new RuntimeError(\`remove \${name}: volume is in use - [\${using.join(', ')}]\`, 'conflict');" \
  "  void using; // WRONG: removed whoever uses it"
