// A command of the command line: its flags and what it does. Each feature exports
// its own (src/image/cli.ts, …); src/cli/main.ts puts them together.
import type { OptSpec, OptValues } from './args.js';

export interface Globals {
  root: string;
}

export interface CommandDef {
  name: string;
  args: string;
  desc: string;
  options: OptSpec[];
  /** needs root (namespaces, mounts, cgroups) */
  root: boolean;
  /**
   * only reads the state folder (ps, images, inspect…; for `network`, its ls and inspect):
   * a missing folder is not made, an existing one is not changed (docker's ps shows nothing)
   */
  readsOnly?: boolean | ((rest: string[]) => boolean);
  /** flags may follow positional words (every command but run) */
  interspersed?: boolean;
  action(opts: OptValues, rest: string[], g: Globals): Promise<number>;
}
