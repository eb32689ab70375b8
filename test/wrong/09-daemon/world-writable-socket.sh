#!/bin/bash
# Wrong: the API socket is made 0666: any local user can run a privileged container
# through it, and so is root (CVE-like: docker's socket is 0660 root:docker).
# tests: test/chapters/09-daemon.test.ts
# expect: the socket is root's
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/daemon/main.ts" \
  "      chmodSync(listen.socket, 0o660);" \
  "      chmodSync(listen.socket, 0o666); // WRONG: everyone may connect"
replace "$1/src/daemon/main.ts" \
  "    const old = process.umask(0o177); // the socket is born 0600: no moment where anyone else may connect" \
  "    const old = process.umask(0o111); // WRONG: born 0666"
