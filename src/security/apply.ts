// chapter: 04-security
// The init's last step before execve: become the container's user with the
// container's privileges. Everything was decided by the CLI (parseSecurity); this
// only reads the image's /etc/passwd and /etc/group (after pivot_root) and makes
// the system calls, in runc's order (libcontainer/standard_init_linux.go):
//   no_new_privs → seccomp, while CAP_SYS_ADMIN is still held (unless no_new_privs
//   lets an unprivileged thread load it; then it comes last, as late as possible)
//   → bounding set → KEEPCAPS, groups, gid, uid → capset → ambient cleared
// The init is Node: these calls change the main thread, which calls execve next.
const { readFileSync } = process.getBuiltinModule('node:fs');
import { security, type SeccompFilter } from './security-syscalls.js';
import { resolveUser, UserError, type ExecUser } from './user.js';
// <chapter 08-oci>
import { applySets } from './capability-sets.js';
import { applyRlimits } from './rlimits.js';
// </chapter 08-oci>

/** what the init applies, decided by the CLI (InitSpec.security) */
export interface SecuritySpec {
  /** capability numbers: the bounding set, and the effective and permitted sets (inheritable and ambient stay empty) */
  capabilities: number[];
  noNewPrivileges: boolean;
  /** --privileged: every capability, every device */
  privileged: boolean;
  /** absent: unconfined */
  seccomp?: SeccompFilter;
  /** the same filter compiled to BPF by the CLI (base64), while the init boots: the
   *  init then only loads it (libseccomp's build of docker's profile takes ~10 ms) */
  seccompBpf?: string;
  /** --user (or the image's USER) as given: USER[:GROUP], names or numbers; absent: root */
  user?: string;
  groupAdd: string[];
}

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

/** returns the user it became */
export function applySecurity(s: SecuritySpec, user: ExecUser = lookupUser(s)): ExecUser {
  const caps = s.capabilities.reduce((m, c) => m | (1n << BigInt(c)), 0n);
  if (s.noNewPrivileges) security.setNoNewPrivs();
  // without no_new_privs, loading a filter takes CAP_SYS_ADMIN, which may be dropped below
  if (s.seccomp && !s.noNewPrivileges) loadSeccomp(s);

  // the bounding set first: dropping needs CAP_SETPCAP, gone once we leave uid 0
  for (const c of boundingSet()) if (!((caps >> BigInt(c)) & 1n)) security.capbsetDrop(c);

  security.setKeepCaps(true); // leaving uid 0 would empty the permitted set
  security.setgroups(user.groups);
  security.setresgid(user.gid);
  security.setresuid(user.uid);
  security.setKeepCaps(false);
  // for root, execve gives back effective = permitted = bounding anyway; for another
  // user, execve of a file without file capabilities empties them (what docker shows)
  security.capset({ effective: caps, permitted: caps, inheritable: 0n });
  security.ambientClearAll();
  // <chapter 08-oci>
  if (s.sets) applySets(s.sets); // an OCI config names each set on its own
  // </chapter 08-oci>

  if (s.seccomp && s.noNewPrivileges) loadSeccomp(s); // now the filter sees only execve
  // <chapter 08-oci>
  if (s.rlimits) applyRlimits(s.rlimits); // last: Node itself would not fit under an OCI config's RLIMIT_AS
  // </chapter 08-oci>
  return user;
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

function loadSeccomp(s: SecuritySpec): void {
  if (s.seccompBpf) security.seccompLoadBpf(Buffer.from(s.seccompBpf, 'base64'));
  else security.seccompLoad(s.seccomp!);
}
