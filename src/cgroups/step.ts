// chapter: 02-cgroups step 2.1
// The cgroups step: the container's cgroup is made, with its limits, before the
// init gets its spec. This CLI moves the init into it while the init sets up its
// mounts (src/cgroups/join.ts), and lets it go only once it is in.
import { constants } from 'node:os';
import { RuntimeError } from '../errors.js';
import type { InitProcess } from '../container/process.js';
import type { RunContext, Step } from '../container/step.js';
// <step 2.5>
import { log } from '../log.js';
// </step 2.5>
import { createCgroup, type Cgroup } from './index.js';
import type { Resources } from './limits.js';
// <step 3.1>
import { reclaimCgroups } from './fs.js';
// </step 3.1>

declare module '../container/config.js' {
  interface RunOptions {
    resources: Resources;
    /** the container's cgroup is <cgroupParent>/<id> in each hierarchy */
    cgroupParent: string;
  }
}

declare module '../container/step.js' {
  interface RunContext {
    cgroup?: Cgroup;
    /** the init's move into its cgroups, under way while it sets up */
    cgroupJoin?: Promise<unknown>;
  }
}

declare module '../container/state.js' {
  interface ContainerState {
    /** the cgroup directories made for the container, parents first */
    cgroups?: string[];
    // <step 2.5>
    /** the kernel's OOM killer killed a process of the container (docker's State.OOMKilled) */
    oomKilled?: boolean;
    // </step 2.5>
  }
}

export const cgroupStep: Step = {
  name: 'cgroups',
  prepare(ctx) {
    // each directory is written down before it is made: should this CLI die half-way, the sweep finds them all
    const planned = (dir: string) => ctx.state.update({ cgroups: [...(ctx.state.current.cgroups ?? []), dir] });
    const cgroup = (ctx.cgroup = createCgroup(`${ctx.options.cgroupParent}/${ctx.id}`, ctx.options.resources, planned));
    ctx.cleanup.add('remove the cgroup', async () => {
      await cgroup.remove();
      ctx.state.update({ cgroups: [] });
    });
    ctx.state.update({ cgroups: cgroup.made });
    ctx.spec.cgroupProcs = cgroup.procs;
  },
  spawning(ctx, init) {
    joinFromOutside(ctx, init); // every cgroup.procs the steps named (the devices cgroup's too)
  },
  async spawned(ctx, init) {
    try {
      await ctx.cgroupJoin;
    } catch (e) {
      // no such process: the init has failed already (a bad working directory, …): its reason is the one to show
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') await init.started;
      throw new RuntimeError(`cgroups: cannot move the container into its cgroup: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'runtime', { cause: e });
    }
  },
  // <step 2.5>
  exited(ctx, exit) {
    // the kernel's count, read before the cleanup removes the cgroup (and the count with it);
    // the exit status cannot tell: a kill -9 from outside gives 137 too
    const oomKilled = ctx.cgroup?.oomKilled() ?? false;
    ctx.state.update({ oomKilled });
    if (exit.signal === constants.signals.SIGKILL && oomKilled)
      log.debug(`container ${ctx.id} was killed by the kernel's OOM killer (memory limit ${ctx.options.resources.memory} bytes)`);
  },
  // </step 2.5>
  // <step 3.1>
  reclaim: reclaimCgroups, // the sweep and rm, once the container has ended
  // </step 3.1>
};

/**
 * Move the init into the container's cgroups from this CLI (the thread pool), while
 * the init sets up. A move into a v1 cgroup waits for an RCU grace period in
 * the kernel (the write lock on every thread group, cgroup_threadgroup_rwsem): 7-30 ms
 * here, asleep. Made by the init itself right before execve, that wait was on every
 * run's path. Not under a memory, pids or CPU limit: what the init's node allocates
 * while it sets up would count against the container's memory (-m 8m: killed before
 * the command starts), a thread it starts against its pids, its start-up against the
 * CPU quota (--cpus 0.01: a hundredfold slower). Then the init joins itself right
 * before execve.
 */
function joinFromOutside(ctx: RunContext, init: InitProcess): void {
  const files = ctx.spec.cgroupProcs;
  const r = ctx.options.resources;
  if (!files?.length || r.memory !== undefined || r.memorySwap !== undefined || (r.pidsLimit ?? 0) > 0 || r.cpus !== undefined) return;
  const { writeFile } = process.getBuiltinModule('node:fs/promises');
  // undone before the cgroup is removed (last in, first out): a cgroup with a process in it cannot go
  ctx.cleanup.add('stop the init in its cgroups', async () => {
    init.signal(constants.signals.SIGKILL);
    await init.exited;
  });
  ctx.cgroupJoin = Promise.all(files.map((f) => writeFile(f, String(init.pid))));
  ctx.cgroupJoin.catch(() => {}); // awaited in spawned; never an unhandled rejection
  ctx.spec.cgroupProcs = undefined;
  ctx.spec.cgroupJoined = true; // the init only makes its cgroup namespace, after "go"
}
