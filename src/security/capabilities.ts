// chapter: 04-security step 4.1
// Capabilities by name, as docker takes them: root in a container keeps only
// docker's 14 default capabilities unless --cap-add, --cap-drop or --privileged
// say otherwise. Names are matched case-insensitively, with or without CAP_, and
// "ALL" stands for every capability this machine can give.
const { readFileSync } = process.getBuiltinModule('node:fs');
import { RuntimeError } from '../errors.js';

/** capability N is CAPABILITIES[N] (<linux/capability.h>, up to Linux 6.x) */
export const CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT',
  'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE',
  'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
  'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
] as const;

/** docker's default set (moby's caps.DefaultCapabilities): CapEff 00000000a80425fb */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

let lastCap: number | undefined;

/** the highest capability number this kernel knows (read once) */
export function capLastCap(): number {
  if (lastCap === undefined) {
    try {
      lastCap = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
    } catch {
      lastCap = CAPABILITIES.length - 1;
    }
  }
  return lastCap;
}

/** the capabilities this kernel knows, by name (those we have a name for) */
export function knownCapabilities(): string[] {
  return CAPABILITIES.slice(0, capLastCap() + 1);
}

/**
 * What "all capabilities" means here: the ones this process holds (docker reads
 * its own CapEff). A machine may withhold some (this one lacks CAP_SYS_RESOURCE),
 * and nobody can hand on what it does not have.
 */
export function currentCapabilities(): string[] {
  const status = readFileSync('/proc/self/status', 'utf8');
  const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? '0';
  const known = new Set(knownCapabilities());
  return capNames(BigInt('0x' + hex)).filter((c) => known.has(c));
}

export function capNumber(name: string): number {
  const n = CAPABILITIES.indexOf(name as (typeof CAPABILITIES)[number]);
  if (n < 0) throw new Error(`unknown capability: ${JSON.stringify(name)}`);
  return n;
}

/** a set as the kernel's bit mask (bit N: capability N) */
export function capMask(names: string[]): bigint {
  return names.reduce((m, c) => m | (1n << BigInt(capNumber(c))), 0n);
}

export function capNames(mask: bigint): string[] {
  return CAPABILITIES.filter((_, i) => (mask >> BigInt(i)) & 1n);
}

/** docker's NormalizeLegacyCapabilities: upper case, CAP_ prefix, known and available here */
export function normalizeCapabilities(caps: string[], field: 'CapAdd' | 'CapDrop'): string[] {
  const known = knownCapabilities();
  const current = currentCapabilities();
  return caps.map((raw) => {
    let c = raw.toUpperCase();
    if (c === 'ALL') return c;
    if (!c.startsWith('CAP_')) c = 'CAP_' + c;
    // docker's daemon answers these (no "See 'docker run --help'."): a bad parameter, not a UsageError
    if (!known.includes(c)) throw new RuntimeError(`invalid ${field}: unknown capability: ${JSON.stringify(c)}`, 'usage');
    if (!current.includes(c)) throw new RuntimeError(`invalid ${field}: capability not supported by your kernel or not available in the current environment: ${JSON.stringify(c)}`, 'usage');
    return c;
  });
}

/**
 * The container's capability set: docker's TweakCapabilities. --privileged: all of
 * them. --cap-add ALL: all but the dropped ones; --cap-drop ALL: only the added ones;
 * otherwise the defaults (docker's, unless given) minus the dropped plus the added.
 */
export function resolveCapabilities(o: { add: string[]; drop: string[]; privileged: boolean; defaults?: string[] }): string[] {
  const drop = normalizeCapabilities(o.drop, 'CapDrop');
  const add = normalizeCapabilities(o.add, 'CapAdd');
  if (o.privileged) return currentCapabilities();
  let caps: string[];
  if (add.includes('ALL')) caps = currentCapabilities().filter((c) => !drop.includes(c));
  else if (drop.includes('ALL')) caps = add;
  else caps = [...(o.defaults ?? DEFAULT_CAPABILITIES).filter((c) => !drop.includes(c)), ...add];
  return [...new Set(caps)].sort((a, b) => capNumber(a) - capNumber(b));
}
