// `run`'s flags: one option group per feature, each with its flags and the code
// that checks them and fills its part of RunOptions. Every value is checked here,
// before anything is created: a bad one is a UsageError (exit 125).
import { help, list, str, UsageError, type OptionGroup, type OptSpec, type OptValues } from '../toolkit/args.js';
import type { RunOptions } from '../container/config.js';

const processOptions: OptionGroup = {
  options: [
    { long: 'interactive', short: 'i', desc: "Keep STDIN open (otherwise it is /dev/null)" },
    { long: 'tty', short: 't', desc: 'Allocate a pseudo-TTY' },
    { long: 'hostname', short: 'h', value: 'name', desc: 'Container host name (default: the short container id)' },
    { long: 'env', short: 'e', value: 'KEY=VALUE', repeat: true, desc: 'Set an environment variable (repeatable)' },
  ],
  fill(v, o, rest) {
    if (!rest[0].startsWith('/')) throw new UsageError(`image "${rest[0]}": images arrive in chapter 03; give COMMAND as an absolute path`);
    o.command = rest;
    o.interactive = v.interactive === true;
    o.tty = v.tty === true;
    o.hostname = str(v.hostname);
    o.env = list(v.env);
  },
};

const groups: OptionGroup[] = [
  processOptions,
];

export const runOptions: OptSpec[] = [...groups.flatMap((g) => g.options), help];

/** turn parsed flags and the words after them into RunOptions, or say what is wrong */
export function runOptionsFrom(v: OptValues, rest: string[]): RunOptions {
  if (rest.length === 0) throw new UsageError('"run" requires at least 1 argument: [IMAGE] COMMAND [ARG...]');
  const o = {} as RunOptions; // each group fills in its own fields
  for (const g of groups) g.fill(v, o, rest);
  return o;
}
