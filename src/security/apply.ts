// chapter: 04-security step 4.1
// The init's last step before execve: become the container's user with the
// container's privileges. Everything was decided by the CLI (parseSecurity); this
// only reads the image's /etc/passwd and /etc/group (after pivot_root) and makes
// the system calls, in runc's order (libcontainer/standard_init_linux.go):
//   no_new_privs → seccomp, while CAP_SYS_ADMIN is still held (unless no_new_privs
//   lets an unprivileged thread load it; then it comes last, as late as possible)
//   → bounding set → KEEPCAPS, groups, gid, uid → capset → ambient cleared
// The init is Node: these calls change the main thread, which calls execve next.
// <step 4.2>
const { readFileSync } = process.getBuiltinModule('node:fs');
// </step 4.2>
import { security } from './security-syscalls.js';
// <step 4.3>
import type { SeccompFilter } from './security-syscalls.js';
// </step 4.3>
// <step 4.2>
import { resolveUser, UserError, type ExecUser } from './user.js';
// </step 4.2>
// <chapter 08-oci>
import { applySets } from './capability-sets.js';
import { applyRlimits } from './rlimits.js';
// </chapter 08-oci>

/** what the init applies, decided by the CLI (InitSpec.security) */
export interface SecuritySpec {
  /** capability numbers: the bounding set, and the effective and permitted sets (inheritable and ambient stay empty) */
  capabilities: number[];
  // <step 4.3>
  noNewPrivileges: boolean;
  // </step 4.3>
  /** --privileged: every capability, every device */
  privileged: boolean;
  // <step 4.3>
  /** absent: unconfined */
  seccomp?: SeccompFilter;
  /** the same filter compiled to BPF by the CLI (base64), while the init boots: the
   *  init then only loads it (libseccomp's build of docker's profile takes ~10 ms) */
  seccompBpf?: string;
  // </step 4.3>
  // <step 4.2>
  /** --user (or the image's USER) as given: USER[:GROUP], names or numbers; absent: root */
  user?: string;
  groupAdd: string[];
  // </step 4.2>
}
// <step 4.2>

export class SecurityError extends Error {}

/** the container's user, from its own files */
export function lookupUser(s: SecuritySpec): ExecUser {
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined; // an image without /etc/passwd: numeric ids only
    }
  };
  try {
    return resolveUser(s.user ?? '', s.groupAdd, read('/etc/passwd'), read('/etc/group'));
  } catch (e) {
    if (e instanceof UserError) throw new SecurityError(e.message);
    throw e;
  }
}
// </step 4.2>

// <step 4.2>
/** returns the user it became */
export function applySecurity(s: SecuritySpec, user: ExecUser = lookupUser(s)): ExecUser {
// </step 4.2>
// <replaced-by 4.2 from 4.1>
//~ export function applySecurity(s: SecuritySpec): void {
// </replaced-by 4.2>
  const caps = s.capabilities.reduce((m, c) => m | (1n << BigInt(c)), 0n);
  // <step 4.3>
  if (s.noNewPrivileges) security.setNoNewPrivs();
  // without no_new_privs, loading a filter takes CAP_SYS_ADMIN, which may be dropped below
  if (s.seccomp && !s.noNewPrivileges) loadSeccomp(s);
  // </step 4.3>

  // the bounding set first: dropping needs CAP_SETPCAP, gone once we leave uid 0
  for (const c of boundingSet()) if (!((caps >> BigInt(c)) & 1n)) security.capbsetDrop(c);

  // <step 4.2>
  security.setKeepCaps(true); // leaving uid 0 would empty the permitted set
  security.setgroups(user.groups);
  security.setresgid(user.gid);
  security.setresuid(user.uid);
  security.setKeepCaps(false);
  // </step 4.2>
  // for root, execve gives back effective = permitted = bounding anyway; for another
  // user, execve of a file without file capabilities empties them (what docker shows)
  security.capset({ effective: caps, permitted: caps, inheritable: 0n });
  security.ambientClearAll();
  // <chapter 08-oci>
  if (s.sets) applySets(s.sets); // an OCI config names each set on its own
  // </chapter 08-oci>
  // <step 4.3>

  if (s.seccomp && s.noNewPrivileges) loadSeccomp(s); // now the filter sees only execve
  // </step 4.3>
  // <chapter 08-oci>
  if (s.rlimits) applyRlimits(s.rlimits); // last: Node itself would not fit under an OCI config's RLIMIT_AS
  // </chapter 08-oci>
  // <step 4.2>
  return user;
  // </step 4.2>
}

/** the capabilities in this thread's bounding set: PR_CAPBSET_READ up to EINVAL (past cap_last_cap) */
function boundingSet(): number[] {
  const caps: number[] = [];
  for (let c = 0; ; c++) {
    try {
      if (security.capbsetRead(c)) caps.push(c);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EINVAL') return caps;
      throw e;
    }
  }
}
// <step 4.3>

function loadSeccomp(s: SecuritySpec): void {
  if (s.seccompBpf) security.seccompLoadBpf(Buffer.from(s.seccompBpf, 'base64'));
  else security.seccompLoad(s.seccomp!);
}
// </step 4.3>
