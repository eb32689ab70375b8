// The init's two pipes to the CLI. fd 3 carries one line of JSON (the spec), then
// one byte: "go". fd 4 carries the init's reports, one JSON line a message; it is
// close-on-exec, so after {exec} end-of-file means the command runs.
const { readSync, writeSync } = process.getBuiltinModule('node:fs');
import type { InitMessage, InitSpec } from './spec.js';

export const SPEC_FD = 3;
const REPORT_FD = 4;

export function readSpec(): { spec: InitSpec; goSent: boolean } {
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(65536);
  for (;;) {
    const n = readSync(SPEC_FD, buf, 0, buf.length, null);
    if (n === 0) process.exit(125); // the CLI gave up before sending the spec
    chunks.push(Buffer.from(buf.subarray(0, n)));
    const all = Buffer.concat(chunks);
    const nl = all.indexOf(10);
    if (nl >= 0) return { spec: JSON.parse(all.subarray(0, nl).toString()), goSent: all.length > nl + 1 };
  }
}

export function waitForGo(goSent: boolean): void {
  if (goSent) return;
  const n = readSync(SPEC_FD, Buffer.alloc(1), 0, 1, null);
  if (n === 0) process.exit(125); // end-of-file instead of "go": the CLI aborted the start
}

export function report(m: InitMessage): void {
  writeSync(REPORT_FD, JSON.stringify(m) + '\n');
}
