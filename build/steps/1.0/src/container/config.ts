// What `run` was asked for, and the pure rules that turn it into the container's
// process: no file is read or written here. Each chapter's option group adds its
// own fields to RunOptions (TypeScript's interface merging: `declare module`).

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
