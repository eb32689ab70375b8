// chapter: 01-namespaces
// What `run` was asked for, and the pure rules that turn it into the container's
// process: no file is read or written here. Each chapter's option group adds its
// own fields to RunOptions (TypeScript's interface merging: `declare module`).
// <step 1.1>
import type { ExitInfo } from '../native.js';
// </step 1.1>
// <step 1.2>
import type { InitSpec } from './spec.js';
// </step 1.2>

export interface RunOptions {
  /** the user's command and its arguments, untouched */
  command: string[];
  interactive: boolean;
  tty: boolean;
  hostname?: string;
  /** -e values: KEY=VALUE, or KEY to copy it from the CLI's environment */
  env: string[];
  /** set by an option whose step starts the init itself (a RunContext.spawn or attach
   *  of its own, run -d's monitor say): the init then starts after the steps have
   *  prepared, not first thing (src/run.ts) */
  lateInit?: boolean;
}

// <step 1.2>
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** the init's spec from the flags alone; later steps refine it (an image's config, say) */
export function baseSpec(o: RunOptions, hostname: string): InitSpec {
  return { hostname, args: o.command, env: containerEnv(o, hostname), cwd: '/', tty: o.tty };
}

/** docker's defaults (PATH, HOSTNAME, TERM with -t), then -e in order; a later KEY wins */
export function containerEnv(o: Pick<RunOptions, 'env' | 'tty'>, hostname: string, base: string[] = []): string[] {
  const env = new Map<string, string>();
  const put = (kv: string) => {
    const eq = kv.indexOf('=');
    if (eq > 0) env.set(kv.slice(0, eq), kv);
    else if (process.env[kv] !== undefined) env.set(kv, `${kv}=${process.env[kv]}`);
  };
  put(`PATH=${DEFAULT_PATH}`);
  put(`HOSTNAME=${hostname}`);
  // </step 1.2>
  // <step 1.5>
  if (o.tty) put('TERM=xterm');
  // </step 1.5>
  // <step 1.2>
  for (const kv of base) if (kv.indexOf('=') > 0) put(kv); // the image's: never copied from our environment
  o.env.forEach(put);
  return [...env.values()];
}

// </step 1.2>

// <step 1.1>
/** the container's status as docker reports it: 128+N when killed by signal N */
export function exitStatus(e: ExitInfo): number {
  if (e.signal !== null) return 128 + e.signal;
  return e.exitCode ?? 125;
}
// </step 1.1>
