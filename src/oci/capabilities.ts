// chapter: 08-oci
// An OCI config names the five capability sets one by one (docker gives one list for
// all). Chapter 04's applySecurity drops the bounding set and becomes the user; then
// these sets replace the ones it set: capset, then each ambient capability raised.
// The config's rlimits come at the very end, after the seccomp filter: the init is
// Node, whose address space alone is over a typical RLIMIT_AS (libseccomp could not
// build the filter under it); from there on the init only execs.
import { security } from '../security/security-syscalls.js';
import { ociNative } from './oci-syscalls.js';

/** setrlimit's resource numbers (asm-generic/resource.h) */
export const RLIMITS: Record<string, number> = {
  cpu: 0, fsize: 1, data: 2, stack: 3, core: 4, rss: 5, nproc: 6, nofile: 7, memlock: 8, as: 9, locks: 10, sigpending: 11, msgqueue: 12, nice: 13, rtprio: 14, rttime: 15,
};

export interface Rlimit {
  /** a key of RLIMITS */
  resource: string;
  soft: number;
  hard: number;
}

export interface CapabilitySets {
  effective: number[];
  permitted: number[];
  inheritable: number[];
  ambient: number[];
}

declare module '../security/apply.js' {
  interface SecuritySpec {
    /** OCI: each set as the config names it (capabilities is then the bounding set) */
    sets?: CapabilitySets;
    /** OCI: process.rlimits, set last */
    rlimits?: Rlimit[];
  }
}

const mask = (caps: number[]) => caps.reduce((m, c) => m | (1n << BigInt(c)), 0n);

export function applySets(s: CapabilitySets): void {
  security.capset({ effective: mask(s.effective), permitted: mask(s.permitted), inheritable: mask(s.inheritable) });
  for (const c of s.ambient) ociNative.ambientRaise(c);
}

export function applyRlimits(limits: Rlimit[]): void {
  for (const l of limits) ociNative.setrlimit(RLIMITS[l.resource], l.soft, l.hard);
}
