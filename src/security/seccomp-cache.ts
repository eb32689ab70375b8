// chapter: 04-security step 4.3
// The compiled seccomp filter, kept. libseccomp takes 10-30 ms here to turn docker's
// default profile into BPF, on every run's path, and its answer depends on nothing
// but the filter (its rules, architectures and default action). So the BPF is kept
// in <root>/seccomp/, one file per filter: the BPF (base64) on the first line, the
// filter itself after it. A file is used only when that filter is exactly this run's
// (the name is a cheap hash, never trusted alone: node:crypto would cost more to load
// than the compile). The store is root's alone (store-perms.ts): nobody else can
// plant a filter there.
const { mkdirSync, readFileSync } = process.getBuiltinModule('node:fs');
import { join } from 'node:path';
import { writeAtomic } from '../container/store.js';
import { security, type SeccompFilter } from './security-syscalls.js';

/** the filter as BPF (base64), from the store when it was built before */
export function compiledFilter(root: string, filter: SeccompFilter): string {
  const text = JSON.stringify(filter);
  const dir = join(root, 'seccomp');
  const file = join(dir, `${fnv1a(text)}.bpf`);
  try {
    const kept = readFileSync(file, 'utf8');
    const nl = kept.indexOf('\n');
    if (nl > 0 && kept.slice(nl + 1) === text) return kept.slice(0, nl);
  } catch {
    // not built yet
  }
  const bpf = security.seccompCompile(filter).toString('base64');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeAtomic(file, `${bpf}\n${text}`);
  } catch {
    // a store we cannot write to: the next run builds it again
  }
  return bpf;
}

/** 32-bit FNV-1a of a string's UTF-16 code units, as 8 hex digits */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}
