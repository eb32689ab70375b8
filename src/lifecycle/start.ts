// chapter: 05-lifecycle step 5.5
// create, start and restart. A container is a record and a writable layer; its
// process comes and goes. `start` walks run's steps again with the options run (or
// create) saved and the container's own id: every step makes its part anew (the
// cgroups, the monitor, the generated /etc files), and the rootfs step finds the
// writable layer where it was, so what the container wrote stays. Only the record
// step is swapped: the record exists, it is reopened instead of created.
//
//   created ──start──▶ running ──(exit, kill, stop)──▶ exited ──start──▶ running …
// (the whole table, with the moments in between, is in transitions.ts)
const { existsSync, rmSync } = process.getBuiltinModule('node:fs');
import { Cleanup } from '../container/cleanup.js';
import { baseSpec, type RunOptions } from '../container/config.js';
import { exitFile } from '../container/exit.js';
import { newId, shortId } from '../container/id.js';
import { recordStep } from '../container/record.js';
import { processStartTime, StateRecord } from '../container/state.js';
import type { RunContext, Step } from '../container/step.js';
import { containerDir, removeContainerDir, writeState } from '../container/store.js';
import { withStore } from '../container/sweep.js';
import { RuntimeError } from '../errors.js';
import { printEach, type Outcome } from '../toolkit/format.js';
import { foreground } from '../cli/foreground.js';
import { run } from '../run.js';
import { steps } from '../steps.js';
import { getContainer, isRunning, readState, waitState } from './containers.js';
import { loadOptions, saveOptions } from './saved.js';
import { stopContainer } from './signal.js';
import { can, phaseOf } from './transitions.js';

/** the record step of a start: the container's record exists; it becomes this run's, under the store's lock */
const reopenStep: Step = {
  name: 'record',
  prepare(ctx) {
    const { root, id, state, cleanup } = ctx;
    ctx.reopened = true;
    withStore(root, () => {
      if (!existsSync(containerDir(root, id))) throw new RuntimeError(`No such container: ${shortId(id)}`, 'notFound'); // removed since start found it
      const old = readState(root, id);
      // its last owner (monitor or CLI) must be gone: a second start, or a monitor still removing the cgroups we are about to make
      if (!can(old, 'starting')) throw new RuntimeError(`container ${shortId(id)} is already running or being started`, 'conflict');
      rmSync(exitFile(containerDir(root, id)), { force: true }); // the last run's end is not this one's
      // a new run: no pid, no exit code yet (docker keeps FinishedAt until the next end); from
      // now on this CLI owns it (rm -f waits for it), and a failed start keeps the container
      state.update({ ...old, status: 'created', cli: process.pid, cliStart: processStartTime(process.pid), keep: true, pid: undefined, pidStart: undefined, exitCode: undefined, oomKilled: undefined, error: undefined });
      writeState(root, id, state.current); // taken before the lock goes: a second start sees it is ours
    });
    state.persist((s) => writeState(root, id, s));
    cleanup.add('record how it ended', (failure) => {
      if (ctx.options.rm) return removeContainerDir(root, id); // create --rm, then start -a: gone once it ends
      const s = state.current;
      if (failure && s.status !== 'exited') {
        const exitCode = failure instanceof RuntimeError ? failure.status : 125;
        state.update({ status: s.status === 'running' ? 'exited' : 'created', exitCode, error: failure.message, finishedAt: new Date().toISOString() });
      }
      // a failed start lets go (the last undo: the others are done): the record has no owner
      // at work, so rm need not wait for this process (a daemon lives on after it)
      if (failure && state.current.cli === process.pid) state.update({ cli: undefined, cliStart: undefined });
    });
  },
};

/** run the container again with what it was created with; -a/-i: attached to this CLI, else through a monitor */
async function startContainer(root: string, id: string, attach: boolean, interactive: boolean): Promise<number> {
  let o: RunOptions;
  try {
    o = loadOptions(root, id);
  } catch {
    throw new RuntimeError(`container ${shortId(id)} cannot be started: it has no saved options (made before chapter 05)`);
  }
  await waitState(root, id, (s) => phaseOf(s) !== 'stopping', 10_000); // the last run's monitor finishes (after `wait`, say)
  o.detach = !attach;
  if (o.detach) o.lateInit = true; // the monitor starts the init
  if (attach) o.interactive = interactive; // in the background its stdin stays what it was made with (docker's OpenStdin)
  // <replaced-by 09-daemon>
  //~ return run(root, o, foreground, id, steps.map((s) => (s === recordStep ? reopenStep : s))); // the CLI's container, as run's
  // </replaced-by 09-daemon>
  // <chapter 09-daemon>
  // attached, the CLI's container, as run's; detached, its monitor's: a process that lives
  // on after the start (the daemon) must not hand it its own signals (SIGTERM, SIGHUP)
  return run(root, o, attach ? foreground : {}, id, steps.map((s) => (s === recordStep ? reopenStep : s)));
  // </chapter 09-daemon>
}

/** start: each container (one that runs already is left be, as docker); attached, the value is the container's own exit status */
export async function* startContainers(root: string, refs: string[], o: { attach: boolean; interactive: boolean }): AsyncGenerator<Outcome<number>> {
  const attach = o.attach || o.interactive;
  if (attach && refs.length > 1) throw new RuntimeError('you cannot start and attach multiple containers at once');
  for (const ref of refs) {
    try {
      const c = getContainer(root, ref);
      if (!isRunning(c.state)) {
        const code = await startContainer(root, c.config.id, attach, o.interactive);
        if (attach) {
          yield { ref, value: code }; // docker start -a: the container's own exit status
          return;
        }
      } // running already: nothing to do, as docker
      yield { ref };
    } catch (e) {
      yield { ref, error: e as Error };
    }
  }
}

export async function startCommand(root: string, refs: string[], o: { attach: boolean; interactive: boolean }): Promise<number> {
  const attach = o.attach || o.interactive;
  let code: number | undefined;
  const status = await printEach(startContainers(root, refs, o), (r) => {
    code = r.value;
    return attach ? '' : `${r.ref}\n`; // attached: the container's output only
  });
  return code ?? status; // attached: the container's own status
}

/** restart: stop (if it runs), then start in the background */
export async function* restartContainers(root: string, refs: string[], timeout: number): AsyncGenerator<Outcome> {
  for (const ref of refs) {
    try {
      const c = getContainer(root, ref);
      if (isRunning(c.state)) await stopContainer(root, c, timeout);
      await startContainer(root, c.config.id, false, false);
      yield { ref };
    } catch (e) {
      yield { ref, error: e as Error };
    }
  }
}

export function restartCommand(root: string, refs: string[], timeout: number): Promise<number> {
  return printEach(restartContainers(root, refs, timeout));
}

/** create: the record (status "created") and the saved options; `start` runs it. Its id */
export async function createContainer(root: string, o: RunOptions): Promise<string> {
  const id = newId();
  const ctx: RunContext = { root, id, options: o, spec: baseSpec(o, o.hostname ?? shortId(id)), state: new StateRecord(), cleanup: new Cleanup() };
  for (const step of steps) await step.configure?.(ctx); // every check run makes, before anything exists
  if (ctx.spec.args.length === 0) throw new RuntimeError('no command specified');
  await recordStep.prepare!(ctx);
  saveOptions(root, id, o);
  ctx.state.update({ cli: undefined, cliStart: undefined }); // no process runs it: the sweep leaves it be
  return id;
}

export async function createCommand(root: string, o: RunOptions): Promise<number> {
  process.stdout.write(`${await createContainer(root, o)}\n`);
  return 0;
}
