// chapter: 04-security
// The security step: the CLI decided everything (the option group); the image may
// name a USER; the init applies it all as its last step before execve.
import type { InitStep, Step } from '../container/step.js';
import { applySecurity, type SecuritySpec } from './apply.js';
import { compiledFilter } from './seccomp-cache.js';

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
    if (s.user === undefined && ctx.image?.config.User) s.user = ctx.image.config.User; // --user wins
    ctx.spec.security = s;
  },
  prepare(ctx) {
    // the filter is built here (or found built: seccomp-cache.ts), while the init's node boots on the other core
    const s = ctx.spec.security;
    if (s?.seccomp) s.seccompBpf = compiledFilter(ctx.root, s.seccomp);
  },
};

/** last of the init's steps: after it, the init can do little more than execve */
export const securityInit: InitStep = {
  name: 'security',
  beforeExec: (spec) => void (spec.security && applySecurity(spec.security)),
};
