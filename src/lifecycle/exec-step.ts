// chapter: 05-lifecycle step 5.1
// What `exec` needs that the record does not hold yet: the security the container's
// processes run with (chapter 04's SecuritySpec: capabilities, no_new_privs, the
// resolved seccomp filter, the user). Written once, next to config.json, as
// <dir>/exec.json; a process that joins the container later gets the same.
const { readFileSync } = process.getBuiltinModule('node:fs');
import { join } from 'node:path';
import { containerDir, writeAtomic } from '../container/store.js';
import type { Step } from '../container/step.js';
import type { SecuritySpec } from '../security/apply.js';

interface ExecRecord {
  security?: SecuritySpec;
}

const execFile = (root: string, id: string) => join(containerDir(root, id), 'exec.json');

export const execRecordStep: Step = {
  name: 'exec-record',
  prepare(ctx) {
    const record: ExecRecord = { security: ctx.spec.security };
    writeAtomic(execFile(ctx.root, ctx.id), JSON.stringify(record));
  },
};

export function readExecRecord(root: string, id: string): ExecRecord {
  try {
    return JSON.parse(readFileSync(execFile(root, id), 'utf8'));
  } catch {
    return {}; // being removed right now (the caller refuses: no security, no exec)
  }
}
