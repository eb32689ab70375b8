#!/bin/bash
# Wrong: create runs the command at once (no wait for start): the init never blocks on
# exec.fifo, so whatever containerd does between create and start (its pid file, the
# task's I/O, hooks) races a command that is already running.
# tests: test/chapters/08-oci.test.ts
# expect: create leaves the command waiting
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/oci/start-fifo.ts" \
  "    readSync(fifo, Buffer.alloc(1), 0, 1, null); // blocks until \`start\`" \
  "    void readSync; // WRONG: no wait for start"
