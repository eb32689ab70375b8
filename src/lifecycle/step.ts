// chapter: 05-lifecycle
// The detach step: with -d the container's init is started by a monitor of its own
// (native/monitor.c) instead of by this CLI, and once the command runs the CLI
// hands the container over: the monitor becomes the record's owner, nothing is
// undone, run prints the id and returns.
import { join, resolve } from 'node:path';
import { containerDir, containersDir } from '../container/store.js';
import { processStartTime } from '../container/state.js';
import type { Step } from '../container/step.js';
import { monitorSpawner, type Monitor } from './monitor.js';
// <chapter 06-network>
import { fileURLToPath } from 'node:url';

const CLI_JS = fileURLToPath(new URL('../cli.js', import.meta.url));
// </chapter 06-network>

declare module '../container/step.js' {
  interface RunContext {
    monitor?: Monitor;
  }
}

export const detachStep: Step = {
  name: 'detach',
  prepare(ctx) {
    if (!ctx.options.detach) return;
    const dir = containerDir(ctx.root, ctx.id);
    const files = {
      exitFile: join(dir, 'exit.json'),
      logFile: join(dir, 'container.log'),
      cgroups: ctx.state.current.cgroups ?? [],
      removeDir: ctx.options.rm ? dir : undefined,
      lockFile: join(containersDir(ctx.root), '.lock'),
      // <chapter 06-network>
      // what the container holds on a network goes back the moment it ends
      exitCommand: ctx.state.current.network?.held ? ['mydocker', CLI_JS, '--root', resolve(ctx.root), 'container', 'cleanup', ctx.id] : undefined,
      // </chapter 06-network>
    };
    ctx.spawn = monitorSpawner(files, (m) => (ctx.monitor = m));
  },
  started(ctx) {
    const monitor = ctx.monitor;
    if (!monitor) return false;
    // the monitor owns the container now: the sweep checks it, not us
    ctx.state.update({ cli: monitor.pid, cliStart: processStartTime(monitor.pid) });
    monitor.detach();
    ctx.cleanup.handOver();
    process.stdout.write(`${ctx.id}\n`);
    return true;
  },
};
