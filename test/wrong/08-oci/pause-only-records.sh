#!/bin/bash
# Wrong: pause only writes down "paused" (state says so) and nothing freezes: the
# container's processes go on running, which is what a pause was asked to stop.
# tests: test/chapters/08-runtime.test.ts
# expect: pause stops every process
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/oci/freezer.ts" \
  "  if (existsSync(\`\${dir}/freezer.state\`)) return read(\`\${dir}/freezer.state\`).trim() === 'FROZEN';" \
  "  return existsSync(\`/tmp/mydocker-wrong-paused\${dir.replace(/\\//g, '_')}\`); // WRONG: a note, not the freezer"
replace "$1/src/oci/freezer.ts" \
  "    if (v1) writeFileSync(\`\${dir}/freezer.state\`, frozen ? 'FROZEN' : 'THAWED');" \
  "    const note = \`/tmp/mydocker-wrong-paused\${dir.replace(/\\//g, '_')}\`; // WRONG: only noted
    if (frozen) writeFileSync(note, ''); else rmSync(note, { force: true });
    void v1;"
replace "$1/src/oci/freezer.ts" \
  "    else if (i === 0) writeFileSync(\`\${dir}/cgroup.freeze\`, frozen ? '1' : '0');" \
  ""
replace "$1/src/oci/freezer.ts" \
  "const { existsSync, readFileSync, writeFileSync } = process.getBuiltinModule('node:fs');" \
  "const { existsSync, readFileSync, rmSync, writeFileSync } = process.getBuiltinModule('node:fs');"
