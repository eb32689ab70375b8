// chapter: 04-security step 4.1
// The security step: the CLI decided everything (the option group); the image may
// name a USER; the init applies it all as its last step before execve.
import type { InitStep, Step } from '../container/step.js';
import { applySecurity, type SecuritySpec } from './apply.js';
// <step 4.3>
import { compiledFilter } from './seccomp-cache.js';
// </step 4.3>

declare module '../container/spec.js' {
  interface InitSpec {
    /** capabilities, user, no_new_privs, seccomp: applied right before execve */
    security?: SecuritySpec;
  }
}

export const securityStep: Step = {
  name: 'security',
  configure(ctx) {
    const s = { ...ctx.options.security };
    // <step 4.2>
    if (s.user === undefined && ctx.image?.config.User) s.user = ctx.image.config.User; // --user wins
    // </step 4.2>
    ctx.spec.security = s;
  },
  // <step 4.3>
  prepare(ctx) {
    // the filter is built here (or found built: seccomp-cache.ts), while the init's node boots on the other core
    const s = ctx.spec.security;
    if (s?.seccomp) s.seccompBpf = compiledFilter(ctx.root, s.seccomp);
  },
  // </step 4.3>
};

/** last of the init's steps: after it, the init can do little more than execve */
export const securityInit: InitStep = {
  name: 'security',
  beforeExec: (spec) => void (spec.security && applySecurity(spec.security)),
};
