// Docker-style argv parsing. `mydocker run [OPTIONS] IMAGE [COMMAND] [ARG...]`:
// options end at the first positional word, and everything from there on belongs
// to the container untouched (`run busybox ls -la` must not parse `-la`).
// A flag that takes a value always consumes the next word, even one starting
// with "-" (`--memory-swap -1`), as docker's flag parser does.
import type { RunOptions } from '../container/config.js';
import { RuntimeError } from '../errors.js';

export interface OptSpec {
  long: string;
  short?: string;
  /** placeholder shown in help; present when the flag takes a value */
  value?: string;
  /** the flag may be given several times (-e A -e B) */
  repeat?: boolean;
  desc: string;
}

export type OptValues = Record<string, string | boolean | string[] | undefined>;

/** a feature's flags for `run`, and how they fill its part of RunOptions */
export interface OptionGroup {
  options: OptSpec[];
  /** check this group's flags and fill in its fields; rest: the words from [IMAGE] on */
  fill(v: OptValues, o: RunOptions, rest: string[]): void;
}

/** a bad command line: its one line points to the command's --help */
export class UsageError extends RuntimeError {
  /** the command whose --help the message points to */
  command?: string;

  constructor(message: string, options?: ErrorOptions) {
    super(message, 'usage', options);
  }
}

/** every command's --help */
export const help: OptSpec = { long: 'help', desc: 'Print usage' };

interface Parsed {
  opts: OptValues;
  /** the first positional word and everything after it, untouched */
  rest: string[];
}

/**
 * parse leading options of argv; stop at the first positional word (or after `--`).
 * interspersed: flags may also follow positional words (`rmi busybox -f`), as for
 * every command that does not pass a command line on to a container
 */
export function parseOptions(argv: string[], specs: OptSpec[], interspersed = false): Parsed {
  const positional: string[] = [];
  const opts: OptValues = {};
  const byLong = new Map(specs.map((s) => [s.long, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const set = (spec: OptSpec, value: string | boolean) => {
    if (spec.repeat) {
      const list = (opts[spec.long] as string[] | undefined) ?? [];
      list.push(String(value));
      opts[spec.long] = list;
    } else {
      opts[spec.long] = value;
    }
  };
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      i++;
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const spec = byLong.get(name);
      if (!spec) throw new UsageError(`unknown flag: --${name}`);
      if (spec.value) {
        if (eq >= 0) set(spec, arg.slice(eq + 1));
        else if (i + 1 < argv.length) set(spec, argv[++i]);
        else throw new UsageError(`flag needs an argument: --${name}`);
      } else {
        if (eq >= 0) set(spec, parseBool(name, arg.slice(eq + 1)));
        else set(spec, true);
      }
    } else if (arg.startsWith('-') && arg.length > 1) {
      // a cluster of short flags: -it, -ti, -ite FOO=1, -eFOO=1
      for (let j = 1; j < arg.length; j++) {
        const spec = byShort.get(arg[j]);
        if (!spec) throw new UsageError(`unknown shorthand flag: '${arg[j]}' in ${arg}`);
        if (!spec.value) {
          // -t=false: a boolean's value, as docker's flag parser reads it
          if (arg[j + 1] === '=') {
            set(spec, parseBool(spec.long, arg.slice(j + 2)));
            break;
          }
          set(spec, true);
          continue;
        }
        if (j + 1 < arg.length) set(spec, arg.slice(j + 1).replace(/^=/, ''));
        else if (i + 1 < argv.length) set(spec, argv[++i]);
        else throw new UsageError(`flag needs an argument: '${arg[j]}' in ${arg}`);
        break;
      }
    } else if (interspersed) {
      positional.push(arg);
    } else {
      break;
    }
  }
  return { opts, rest: [...positional, ...argv.slice(i)] };
}

/** Go's strconv.ParseBool, which docker's flags use */
function parseBool(name: string, v: string): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  throw new UsageError(`invalid argument "${v}" for "--${name}" flag: expected true or false`);
}

export function str(v: OptValues[string]): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function list(v: OptValues[string]): string[] {
  return Array.isArray(v) ? v : [];
}
