// chapter: 01-namespaces step 1.2
// A feature joins `run` as a step: an object with a hook for each moment of a
// container's start (runc's shape: the parent prepares while the child waits at a
// barrier). src/steps.ts lists them; src/run.ts calls the hooks in that order.
import type { ExitInfo } from '../native.js';
import type { Cleanup } from './cleanup.js';
import type { RunOptions } from './config.js';
import type { InitProcess, Spawner } from './process.js';
import type { Attachment } from './stdio.js';
import type { InitSpec } from './spec.js';
import type { StateRecord } from './state.js';
// <step 3.1>
import type { ContainerState } from './state.js';
// </step 3.1>

export interface RunContext {
  /** the state root (--root) */
  root: string;
  id: string;
  options: RunOptions;
  /** what the init will be told: refined by each step's configure */
  spec: InitSpec;
  /** the container's record: whatever a step makes, it writes down here at once */
  state: StateRecord;
  /** undo actions, run last-in first-out when run ends (however it ends) */
  cleanup: Cleanup;
  /** what starts the init (default: the addon's spawn, a child of this CLI, started
   *  first, before the steps even load); a step's own spawner is set in configure
   *  (its option sets RunOptions.lateInit) and called after prepare */
  spawn?: Spawner;
  /** what the container's stdin/stdout/stderr are connected to (default: this CLI's,
   *  src/container/stdio.ts); a step's own is set in configure */
  attach?: (o: RunOptions) => Attachment;
}

export interface Step {
  name: string;
  /** resolve the request into the spec; makes nothing (may read, e.g. an image's config) */
  configure?(ctx: RunContext): void | Promise<void>;
  /** make what the container needs before its init gets its spec; register the undo */
  prepare?(ctx: RunContext): void | Promise<void>;
  /** the init exists and has not been told its spec: the last moment to put in it what exists only now (its pid) */
  spawning?(ctx: RunContext, init: InitProcess): void | Promise<void>;
  /** the init exists and waits for "go": set it up from the outside */
  spawned?(ctx: RunContext, init: InitProcess): void | Promise<void>;
  /** the container's command runs; true: this step took the container over and run ends here */
  started?(ctx: RunContext, init: InitProcess): boolean | Promise<boolean>;
  /** the container's command has exited */
  exited?(ctx: RunContext, exit: ExitInfo): void | Promise<void>;
  // <step 3.1>
  /** the container has ended, whoever ran it: give back what it still holds (the sweep and rm, outside any run) */
  reclaim?: Reclaim;
  // </step 3.1>
}

// <step 3.1>
/** from the record alone, safe to repeat: the record's changes, or undefined when nothing was held; `left`: something could not go yet, the record stays */
export type Reclaim = (root: string, id: string, state: ContainerState) => (Partial<ContainerState> & { left?: boolean }) | undefined;
// </step 3.1>

/** what the init does with its spec, inside the container's namespaces */
export interface InitStep {
  name: string;
  /** before "go": namespaces, mounts, the root filesystem */
  setup?(spec: InitSpec): void;
  /** after "go", right before execve: the last moment the init is itself */
  beforeExec?(spec: InitSpec): void;
}
