// chapter: 01-namespaces
// `run`'s flags: one option group per feature, each with its flags and the code
// that checks them and fills its part of RunOptions. Every value is checked here,
// before anything is created: a bad one is a UsageError (exit 125).
import { help, list, str, UsageError, type OptionGroup, type OptSpec, type OptValues } from '../toolkit/args.js';
import type { RunOptions } from '../container/config.js';
// <step 2.1>
import { cgroupOptions } from '../cgroups/options.js';
// </step 2.1>
// <step 3.1>
import { rootfsOptions } from '../rootfs/options.js';
// </step 3.1>
// <step 4.1>
import { securityOptions } from '../security/options.js';
// </step 4.1>
// <step 5.1>
import { detachOptions } from '../lifecycle/options.js';
// </step 5.1>
// <step 6.1>
import { networkOptions } from '../network/options.js';
// </step 6.1>
// <step 7.3>
import { pullOptions } from '../image/registry/step.js';
// </step 7.3>

// <step 1.6>
const HOSTNAME_RE = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,61}[A-Za-z0-9])?$/;
// </step 1.6>

const processOptions: OptionGroup = {
  options: [
    { long: 'interactive', short: 'i', desc: "Keep STDIN open (otherwise it is /dev/null)" },
    { long: 'tty', short: 't', desc: 'Allocate a pseudo-TTY' },
    { long: 'hostname', short: 'h', value: 'name', desc: 'Container host name (default: the short container id)' },
    { long: 'env', short: 'e', value: 'KEY=VALUE', repeat: true, desc: 'Set an environment variable (repeatable)' },
  ],
  fill(v, o, rest) {
    // <replaced-by 3.1>
    //~ if (!rest[0].startsWith('/')) throw new UsageError(`image "${rest[0]}": images arrive in chapter 03; give COMMAND as an absolute path`);
    // </replaced-by 3.1>
    o.command = rest;
    o.interactive = v.interactive === true;
    o.tty = v.tty === true;
    o.hostname = str(v.hostname);
    // <step 1.6>
    if (o.hostname !== undefined && !HOSTNAME_RE.test(o.hostname)) throw new UsageError(`invalid hostname "${o.hostname}"`);
    // </step 1.6>
    o.env = list(v.env);
    // <step 1.6>
    for (const kv of o.env) if (kv === '' || kv.startsWith('=')) throw new UsageError(`invalid environment variable "${kv}"`);
    // </step 1.6>
  },
};

const groups: OptionGroup[] = [
  processOptions,
  // <step 2.1>
  cgroupOptions,
  // </step 2.1>
  // <step 3.1>
  rootfsOptions,
  // </step 3.1>
  // <step 4.1>
  securityOptions, // after rootfsOptions: no image means chapter 01's host-files mode
  // </step 4.1>
  // <step 5.1>
  detachOptions,
  // </step 5.1>
  // <step 6.1>
  networkOptions,
  // </step 6.1>
  // <step 7.3>
  pullOptions,
  // </step 7.3>
];

export const runOptions: OptSpec[] = [...groups.flatMap((g) => g.options), help];

/** turn parsed flags and the words after them into RunOptions, or say what is wrong */
export function runOptionsFrom(v: OptValues, rest: string[]): RunOptions {
  if (rest.length === 0) throw new UsageError('"run" requires at least 1 argument: [IMAGE] COMMAND [ARG...]');
  const o = {} as RunOptions; // each group fills in its own fields
  for (const g of groups) g.fill(v, o, rest);
  return o;
}
