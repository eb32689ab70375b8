// chapter: 08-oci
// An OCI config's process.rlimits, set by the init at the very end, after the seccomp
// filter: the init is Node, whose address space alone is over a typical RLIMIT_AS
// (libseccomp could not build the filter under it); from there on the init only execs.
import { security } from './security-syscalls.js';

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

declare module './apply.js' {
  interface SecuritySpec {
    /** OCI: process.rlimits, set last */
    rlimits?: Rlimit[];
  }
}

export function applyRlimits(limits: Rlimit[]): void {
  for (const l of limits) security.setrlimit(RLIMITS[l.resource], l.soft, l.hard);
}
