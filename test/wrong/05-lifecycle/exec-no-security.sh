#!/bin/bash
# Wrong: exec joins the namespaces and cgroups but forgets chapter 04: the process
# runs with the CLI's capabilities and no seccomp filter (a root shell in the
# container that can do what the container's own processes cannot).
# tests: test/chapters/05-exec.test.ts
# expect: capabilities|seccomp
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/lifecycle/exec.ts" \
  "const caps = security.capabilities.reduce((m, cap) => m | (1n << BigInt(cap)), 0n);" \
  "const caps = security.capabilities.reduce((m, cap) => m | (1n << BigInt(cap)), 0n) | BigInt('0x' + /CapEff:\\s*(\\w+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]); // WRONG: the CLI's capabilities"
replace "$1/src/lifecycle/exec.ts" \
  "const seccomp = security.seccompBpf ? Buffer.from(security.seccompBpf, 'base64') : security.seccomp ? native.seccompLoad(security.seccomp, true) : undefined;" \
  "const seccomp: Buffer | undefined = undefined; // WRONG: no filter"
