// chapter: 08-oci
// An OCI config names the five capability sets one by one (docker gives one list for
// all). Chapter 04's applySecurity drops the bounding set and becomes the user; then
// these sets replace the ones it set: capset, then each ambient capability raised.
import { security } from './security-syscalls.js';

export interface CapabilitySets {
  effective: number[];
  permitted: number[];
  inheritable: number[];
  ambient: number[];
}

declare module './apply.js' {
  interface SecuritySpec {
    /** OCI: each set as the config names it (capabilities is then the bounding set) */
    sets?: CapabilitySets;
  }
}

const mask = (caps: number[]) => caps.reduce((m, c) => m | (1n << BigInt(c)), 0n);

export function applySets(s: CapabilitySets): void {
  security.capset({ effective: mask(s.effective), permitted: mask(s.permitted), inheritable: mask(s.inheritable) });
  for (const c of s.ambient) security.ambientRaise(c);
}
