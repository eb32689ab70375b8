// chapter: 02-cgroups step 2.1
// The cgroups step: the container's cgroup is made, with its limits, before the
// init starts; the init joins it itself right before execve (src/cgroups/join.ts).
// <step 2.5>
import { constants } from 'node:os';
// </step 2.5>
import type { Step } from '../container/step.js';
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
