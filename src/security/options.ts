// chapter: 04-security step 4.1
// `run`'s security flags, docker's names and messages, all checked before anything
// is created: the result is the SecuritySpec the init applies right before execve.
import { list, type OptionGroup, type OptSpec, type OptValues } from '../toolkit/args.js';
// <step 4.2>
import { str } from '../toolkit/args.js';
// </step 4.2>
// <step 4.3>
import { UsageError } from '../toolkit/args.js';
import { RuntimeError } from '../errors.js';
// </step 4.3>
import type { SecuritySpec } from './apply.js';
import { capNumber, currentCapabilities, resolveCapabilities } from './capabilities.js';
// <step 4.3>
import { defaultProfile, hostTarget, readProfile, resolveProfile, type Profile } from './seccomp.js';
// </step 4.3>

const flags: OptSpec[] = [
  { long: 'cap-add', value: 'cap', repeat: true, desc: 'Add a Linux capability (CHOWN, CAP_NET_ADMIN, ALL; repeatable)' },
  { long: 'cap-drop', value: 'cap', repeat: true, desc: 'Drop a Linux capability (repeatable)' },
  { long: 'privileged', desc: 'Give every capability and no seccomp filter to this container' },
  // <step 4.3>
  { long: 'security-opt', value: 'opt', repeat: true, desc: 'no-new-privileges[=true|false], seccomp=unconfined|builtin|PROFILE.json (repeatable)' },
  // </step 4.3>
  // <step 4.2>
  { long: 'user', short: 'u', value: 'name|uid[:group|gid]', desc: "Run as this user (looked up in the image's /etc/passwd)" },
  { long: 'group-add', value: 'group', repeat: true, desc: 'Add a supplementary group (name or gid; repeatable)' },
  // </step 4.2>
];

declare module '../container/config.js' {
  interface RunOptions {
    security: SecuritySpec;
  }
}

/** after the rootfs group: a command on the host's files (no image) is chapter 01's mode */
export const securityOptions: OptionGroup = {
  options: flags,
  fill: (v, o) => void (o.security = parseSecurity(v, !o.image)),
};

/**
 * The flags above → what the init applies; a bad value is a UsageError (exit 125).
 * hostFiles: chapter 01's mode, a command on the host's own files, which a root
 * process can rewrite at will: there is nothing to contain, so the defaults are
 * every capability and no seccomp filter (the flags still apply on top).
 */
function parseSecurity(opts: OptValues, hostFiles = false): SecuritySpec {
  const privileged = opts.privileged === true;
  const caps = resolveCapabilities({ add: list(opts['cap-add']), drop: list(opts['cap-drop']), privileged, defaults: hostFiles ? currentCapabilities() : undefined });

  // <step 4.3>
  let noNewPrivileges = false;
  let profile: 'builtin' | 'unconfined' | Profile | undefined;
  for (const opt of list(opts['security-opt'])) {
    if (opt === 'no-new-privileges') {
      noNewPrivileges = true;
      continue;
    }
    // docker's CLI: KEY=VALUE, or the old KEY:VALUE
    let sep = opt.indexOf('=');
    if (sep < 0) sep = opt.indexOf(':');
    if (sep < 0 || sep === opt.length - 1) throw new UsageError(`Invalid --security-opt: ${JSON.stringify(opt)}`);
    const key = opt.slice(0, sep);
    const value = opt.slice(sep + 1);
    if (key === 'no-new-privileges') {
      const b = parseBool(value);
      if (b === undefined) throw new UsageError(`invalid --security-opt 2: ${JSON.stringify(opt)}`);
      noNewPrivileges = b;
    } else if (key === 'seccomp') {
      profile = value === 'unconfined' || value === 'builtin' ? value : asUsage(() => readProfile(value));
    } else {
      throw new UsageError(`invalid --security-opt 2: ${JSON.stringify(opt)}`);
    }
  }

  // docker: --privileged runs unconfined unless a profile file was given
  const unconfined = profile === 'unconfined' || ((privileged || hostFiles) && profile === undefined) || (privileged && profile === 'builtin');
  const chosen = unconfined ? undefined : typeof profile === 'object' ? profile : defaultProfile();
  const seccomp = chosen && asUsage(() => resolveProfile(chosen, hostTarget(caps)));
  // </step 4.3>
  return {
    capabilities: caps.map(capNumber),
    // <step 4.3>
    noNewPrivileges,
    // </step 4.3>
    privileged,
    // <step 4.3>
    seccomp,
    // </step 4.3>
    // <step 4.2>
    user: str(opts.user) || undefined,
    groupAdd: list(opts['group-add']),
    // </step 4.2>
  };
}
// <step 4.3>

/** the seccomp code's bad parameters, as the command line shows them: pointing to `run --help` */
function asUsage<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw e instanceof RuntimeError && e.kind === 'usage' ? new UsageError(e.message, { cause: e.cause }) : e;
  }
}

/** Go's strconv.ParseBool, which docker uses */
function parseBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  return undefined;
}
// </step 4.3>
