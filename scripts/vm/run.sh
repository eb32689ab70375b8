#!/bin/bash
# Run shell commands as root in the cgroup v2 test VM (see test/harness/vm.ts):
#   scripts/vm/run.sh 'cat /sys/fs/cgroup/cgroup.controllers'
#   scripts/vm/run.sh - < job.sh          # script from stdin
# Prints the job's stdout/stderr and exits with its exit code.
# VM_CONSOLE=1 also prints the serial console (kernel messages) to stderr.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -eq 1 ] || { echo "usage: $0 '<shell commands>' | -" >&2; exit 2; }
if [ "$1" = - ]; then SCRIPT=$(cat); else SCRIPT=$1; fi
export SCRIPT
# vm.ts is TypeScript: load it through tap's ts-node loader (a dev dependency).
export TS_NODE_TRANSPILE_ONLY=1
exec node --import "$REPO/node_modules/@tapjs/typescript/dist/esm/import.mjs" --input-type=module -e "
  const { runInVm } = await import('$REPO/test/harness/vm.ts');
  const r = await runInVm(process.env.SCRIPT, { timeoutMs: Number(process.env.VM_TIMEOUT_MS ?? 15 * 60_000) });
  if (process.env.VM_CONSOLE === '1') process.stderr.write(r.console + '\n');
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  process.stderr.write('[vm: exit ' + r.code + ' after ' + r.ms + ' ms]\n');
  process.exitCode = r.code;
"
