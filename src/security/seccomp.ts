// chapter: 04-security step 4.3
// Docker's seccomp profiles, resolved the way docker resolves them before handing
// them to runc: a rule that names capabilities, architectures or a kernel version
// (`includes`, `excludes`) is kept or dropped for this container, and what is left
// is a plain list of rules the addon compiles with libseccomp (security.seccompLoad).
//
// seccomp-default.json is docker's default profile, verbatim: moby/profiles
// seccomp/default.json v0.2.3, as vendored in github.com/moby/moby at commit
// b985e2313a8676e18072b442911fc8f64f17d440 (vendor/github.com/moby/profiles/seccomp/).
// It allows ~370 syscalls, answers everything else with EPERM, and gives
// back the syscalls of a capability (mount for CAP_SYS_ADMIN, …) when the container
// has it. It is read from the source tree (src/security/), which the build does not
// copy (src/paths.ts finds it, bundled or not).
const { readFileSync } = process.getBuiltinModule('node:fs');
import { release } from 'node:os';
import type { SeccompArg, SeccompFilter, SeccompRule } from './security-syscalls.js';
import { RuntimeError } from '../errors.js';
import { ownFile } from '../paths.js';

/** docker's profile format (moby/profiles seccomp.Seccomp) */
export interface Profile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: { architecture: string; subArchitectures?: string[] }[];
  syscalls?: ProfileSyscall[];
}

export interface ProfileSyscall {
  name?: string;
  names?: string[];
  action: string;
  errnoRet?: number;
  args?: { index: number; value: number; valueTwo?: number; op: string }[] | null;
  comment?: string;
  includes?: Filter;
  excludes?: Filter;
}

interface Filter {
  arches?: string[];
  caps?: string[];
  /** "4.8": kernel and major revision */
  minKernel?: string;
}

export interface Target {
  /** the container's bounding set, CAP_ names */
  caps: string[];
  /** docker's name of this machine's architecture: amd64, arm64, … (nativeArch()) */
  arch: string;
  /** uname's release: "6.1.0-28-amd64" */
  kernel: string;
}

const EPERM = 1;

export function defaultProfile(): Profile {
  return JSON.parse(readFileSync(ownFile('src/security/seccomp-default.json'), 'utf8'));
}

/** docker's name for the architecture Node runs on (Go's GOARCH → libseccomp's name) */
export function nativeArch(arch: string = process.arch): string {
  const m: Record<string, string> = { x64: 'amd64', ia32: 'x86', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64' };
  return m[arch] ?? arch;
}

/** the target of a container on this machine */
export function hostTarget(caps: string[]): Target {
  return { caps, arch: nativeArch(), kernel: release() };
}

/** `--security-opt seccomp=FILE`: docker's profile format; a bad file is the user's mistake */
export function readProfile(file: string): Profile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const why = /^\w+: ([^,]+)/.exec((e as Error).message)?.[1] ?? (e as Error).message; // Go's words: open FILE: no such file…
    throw new RuntimeError(`opening seccomp profile (${file}) failed: open ${file}: ${why}`, 'usage', { cause: e });
  }
  let p: Profile;
  try {
    p = JSON.parse(text);
  } catch (e) {
    throw new RuntimeError(`Decoding seccomp profile failed: ${(e as Error).message}`, 'usage', { cause: e });
  }
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new RuntimeError('Decoding seccomp profile failed: not a JSON object', 'usage');
  return p;
}

/**
 * A profile for one container: docker's setupSeccomp. undefined when the profile
 * asks for nothing (no default action, no syscalls). A profile docker would refuse
 * is a usage error (a bad parameter).
 */
export function resolveProfile(p: Profile, t: Target): SeccompFilter | undefined {
  if (!p.defaultAction && !p.syscalls?.length) return undefined;
  if (p.architectures?.length && p.archMap?.length) {
    throw new RuntimeError("both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'", 'usage');
  }
  const architectures = [...(p.architectures ?? [])];
  const own = ARCHES[t.arch];
  const mapped = p.archMap?.find((a) => a.architecture === own);
  if (mapped) architectures.push(mapped.architecture, ...(mapped.subArchitectures ?? []));

  const defaultErrno = p.defaultErrnoRet ?? EPERM;
  const rules: SeccompRule[] = [];
  for (const call of p.syscalls ?? []) {
    if (call.name && call.names?.length) throw new RuntimeError("both 'name' and 'names' are specified in the seccomp profile, use either 'name' or 'names'", 'usage');
    if (!applies(call, t)) continue;
    const names = call.name ? [call.name] : (call.names ?? []);
    const errno = call.errnoRet ?? EPERM;
    // a rule that does what the default does changes nothing (libseccomp refuses it)
    if (call.action === p.defaultAction && (call.action !== 'SCMP_ACT_ERRNO' || errno === defaultErrno)) continue;
    for (const args of conditionSets(call.args ?? [])) rules.push({ names, action: call.action, errno, args });
  }
  return {
    defaultAction: p.defaultAction,
    defaultErrno,
    architectures: architectures.map(libseccompArch),
    rules,
  };
}

/** docker's includes/excludes: every condition of includes holds, none of excludes does */
function applies(call: ProfileSyscall, t: Target): boolean {
  const ex = call.excludes;
  if (ex) {
    if (ex.arches?.includes(t.arch)) return false;
    if (ex.caps?.some((c) => t.caps.includes(c))) return false;
    if (ex.minKernel && kernelAtLeast(t.kernel, ex.minKernel)) return false;
  }
  const inc = call.includes;
  if (inc) {
    if (inc.arches?.length && !inc.arches.includes(t.arch)) return false;
    if (inc.caps?.some((c) => !t.caps.includes(c))) return false;
    if (inc.minKernel && !kernelAtLeast(t.kernel, inc.minKernel)) return false;
  }
  return true;
}

/** "6.1.0-28-amd64" ≥ "4.8": kernel and major revision only, as docker compares */
export function kernelAtLeast(release: string, min: string): boolean {
  const parse = (s: string) => {
    const m = /^(\d+)\.(\d+)/.exec(s);
    if (!m) throw new RuntimeError(`failed to parse kernel version ${JSON.stringify(s)}`, 'usage');
    return [Number(m[1]), Number(m[2])];
  };
  const [k, maj] = parse(release);
  const [mk, mmaj] = parse(min);
  return k > mk || (k === mk && maj >= mmaj);
}

/**
 * A rule's conditions, as libseccomp can take them: all together in one rule, or,
 * when two compare the same argument, one rule each (runc does the same).
 */
function conditionSets(args: NonNullable<ProfileSyscall['args']>): SeccompArg[][] {
  const conds = args.map((a) => ({ index: a.index, value: a.value, valueTwo: a.valueTwo ?? 0, op: a.op }));
  const indexes = new Set(conds.map((c) => c.index));
  return indexes.size === conds.length ? [conds] : conds.map((c) => [c]);
}

/** docker's architecture names (includes.arches) → the profile's SCMP_ARCH_ names */
const ARCHES: Record<string, string> = {
  x86: 'SCMP_ARCH_X86',
  amd64: 'SCMP_ARCH_X86_64',
  x32: 'SCMP_ARCH_X32',
  arm: 'SCMP_ARCH_ARM',
  arm64: 'SCMP_ARCH_AARCH64',
  loong64: 'SCMP_ARCH_LOONGARCH64',
  mips64: 'SCMP_ARCH_MIPS64',
  mips64n32: 'SCMP_ARCH_MIPS64N32',
  mipsel64: 'SCMP_ARCH_MIPSEL64',
  mipsel64n32: 'SCMP_ARCH_MIPSEL64N32',
  mipsle: 'SCMP_ARCH_MIPSEL',
  ppc: 'SCMP_ARCH_PPC',
  ppc64: 'SCMP_ARCH_PPC64',
  ppc64le: 'SCMP_ARCH_PPC64LE',
  riscv64: 'SCMP_ARCH_RISCV64',
  s390: 'SCMP_ARCH_S390',
  s390x: 'SCMP_ARCH_S390X',
};

/** SCMP_ARCH_X86_64 → x86_64, the name seccomp_arch_resolve_name takes */
function libseccompArch(name: string): string {
  if (!name.startsWith('SCMP_ARCH_')) throw new RuntimeError(`unknown seccomp architecture ${JSON.stringify(name)}`, 'usage');
  return name.slice('SCMP_ARCH_'.length).toLowerCase();
}
