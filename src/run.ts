// chapter: 01-namespaces
// <replaced-by 1.1>
//~ // run: yours to write, from step 1.1 of book/01-namespaces.md on.
//~ import type { RunOptions } from './container/config.js';
//~ import { RuntimeError } from './errors.js';
//~
//~ export async function run(_root: string, o: RunOptions, _door: unknown, _id: string): Promise<number> {
//~   throw new RuntimeError(`TODO step 1.1: run ${o.command[0]} as PID 1 of a new PID namespace, and return its exit status`);
//~ }
// </replaced-by 1.1>
// <replaced-by 1.2 from 1.1>
//~ // Step 1.1's run: the command itself, cloned as PID 1 of a new PID namespace (the
//~ // state folder, the front door and the id come into use in later steps).
//~ import { exitStatus, type RunOptions } from './container/config.js';
//~ import { CLONE_NEWPID, native, waitPidfd } from './native.js';
//~
//~ export async function run(_root: string, o: RunOptions, _door: unknown, _id: string): Promise<number> {
//~   const child = native.spawn({
//~     file: o.command[0],
//~     argv: o.command, // everything after COMMAND is the command's, untouched
//~     env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
//~     cloneFlags: CLONE_NEWPID, // the child is PID 1 of a new PID namespace
//~     fds: [0, 1, 2], // our stdin, stdout and stderr are the command's
//~   });
//~   // the container's status is ours: its exit code, or 128 + the signal that killed it
//~   return exitStatus(await waitPidfd(child.pidfd));
//~ }
// </replaced-by 1.2>
// <step 1.2>
// The run pipeline: resolve the request, prepare, start the init, let it go, wait.
// Features take part as steps (src/steps.ts), each at the moments it needs; this
// file never changes when a chapter adds one.
import { constants } from 'node:os';
import { Cleanup } from './container/cleanup.js';
import { baseSpec, exitStatus, type RunOptions } from './container/config.js';
import { newId, shortId } from './container/id.js';
import { startInit, type InitProcess, type Spawner } from './container/process.js';
import { processStartTime, StateRecord } from './container/state.js';
import { attach, type Attachment } from './container/stdio.js';
import type { RunContext, Step } from './container/step.js';
import { RuntimeError } from './errors.js';
import { log, trace } from './log.js';

/** what the front door that starts a container adds around it: the CLI ties its one
 *  container to itself (src/cli/foreground.ts); a process running many (a daemon) adds nothing */
export interface FrontDoor {
  /** the init's parent-death signal: it dies when this process does */
  parentDeathSignal?: number;
  /** the init exists: act on it for as long as the pipeline runs; returns the undo */
  spawned?(init: InitProcess): () => void;
}

/** run a new container (chapter 05's `start` runs an existing one again: its id, and the steps with its record step swapped) */
export function run(root: string, o: RunOptions, door: FrontDoor = {}, id = newId(), pipeline?: Step[]): Promise<number> {
  return startPipeline(
    {
      root,
      id,
      options: o,
      spec: baseSpec(o, o.hostname ?? shortId(id)),
      state: new StateRecord(),
      cleanup: new Cleanup(),
    },
    pipeline,
    door,
  );
}

/** the pipeline every way of starting a container walks (run, start, chapter 08's create), each
 *  with its own list of steps: a step's `started` that returns true ends it there, the container
 *  handed over (run -d to its monitor; OCI create leaves the init waiting for `start`) */
export async function startPipeline(ctx: RunContext, pipeline?: Step[], door: FrontDoor = {}): Promise<number> {
  const { id, options: o } = ctx;
  const { cleanup, state } = ctx;
  try {
    // The init starts first: its node boots on the other core while this CLI loads
    // the steps, configures and prepares; then it waits for its spec. An option whose
    // step starts the init itself (run -d's monitor, --network host) sets lateInit:
    // that init starts after prepare, through the step's spawner.
    let io = o.lateInit ? undefined : connect(ctx, attach);
    let init = io && spawn(ctx, io, door);
    trace('init started');
    pipeline ??= (await import('./steps.js')).steps; // loaded while the init boots (mydocker-runc, unbundled, brings its own)
    trace('steps loaded');
    for (const step of pipeline) await step.configure?.(ctx);
    trace('configured');
    if (ctx.spec.args.length === 0) throw new RuntimeError('no command specified');
    if (init && (ctx.spawn || ctx.attach)) throw new Error('a step starts the init itself, but no option set RunOptions.lateInit');
    io ??= connect(ctx, ctx.attach ?? attach); // this CLI's stdio, or a step's own (run -d: the monitor's)
    for (const step of pipeline) {
      await step.prepare?.(ctx);
      checkpoint(`prepare:${step.name}`);
    }
    log.debug(`container ${id}: ${JSON.stringify(ctx.spec.args)}`);
    init ??= spawn(ctx, io, door, ctx.spawn);
    for (const step of pipeline) await step.spawning?.(ctx, init); // what exists only now (its pid) may still go into its spec
    init.send(ctx.spec);
    state.update({ status: 'running', pid: init.pid, pidStart: processStartTime(init.pid), startedAt: new Date().toISOString() });
    checkpoint('spawned');
    for (const step of pipeline) {
      try {
        await step.spawned?.(ctx, init);
      } catch (e) {
        // the init failed first (a command not found: a step that reaches into its /proc
        // entry fails): its reason is the one to show. A dead init's report pipe has closed,
        // so `started` settles at once, also while it is a zombie (its /proc entry there,
        // its namespaces gone); an init that is alive (waiting for "go") does not
        const initFailed = await Promise.race([init.started.then(() => false, () => true), new Promise<false>((r) => setTimeout(() => r(false), 500))]);
        if (initFailed) await init.started;
        throw e;
      }
      checkpoint(`spawned:${step.name}`);
    }

    if (ctx.spec.tty) io.connect(await Promise.race([init.terminal, init.started.then(() => Promise.reject(new Error('no terminal')))]));
    init.go();
    await init.started;
    checkpoint('started');
    for (const step of pipeline) if (await step.started?.(ctx, init)) return 0; // a step took the container over (run -d)
    const exit = await init.exited;
    checkpoint('exited');
    await io.drained;
    state.update({ status: 'exited', exitCode: exitStatus(exit), finishedAt: new Date().toISOString() });
    for (const step of pipeline) await step.exited?.(ctx, exit);
    return exitStatus(exit);
  } catch (e) {
    cleanup.failed(e as Error);
    throw e;
  } finally {
    checkpoint('cleanup');
    await cleanup.run();
    trace('cleaned up');
  }
}

/** the container's stdio, and the terminal's restore when run ends */
function connect(ctx: RunContext, attachment: (o: RunOptions) => Attachment): Attachment {
  const io = attachment(ctx.options);
  ctx.cleanup.add('restore the terminal', () => io.restore());
  return io;
}

/** start the init (it waits for its spec), and undo that if run fails */
function spawn(ctx: RunContext, io: Attachment, door: FrontDoor, spawner?: Spawner): InitProcess {
  const init = startInit(io.stdio, spawner, door.parentDeathSignal);
  io.spawned();
  ctx.cleanup.add('stop the container', async () => {
    init.signal(constants.signals.SIGKILL);
    await init.exited;
  });
  if (door.spawned) ctx.cleanup.add('the front door lets go (the CLI: stop forwarding signals)', door.spawned(init));
  return init;
}

/** fault injection for the crash tests: MYDOCKER_FAULT=POINT makes this CLI die right there, as kill -9 would */
function checkpoint(point: string): void {
  trace(point);
  if (process.env.MYDOCKER_FAULT === point) process.kill(process.pid, 'SIGKILL');
}
// </step 1.2>
