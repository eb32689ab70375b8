// chapter: 05-lifecycle step 5.1
// The detach step: with -d the container's init is started by a monitor of its own
// (native/monitor.c) instead of by this CLI, and once the command runs the CLI
// hands the container over: the monitor becomes the record's owner, nothing is
// undone, and run returns (the CLI prints the id). Whatever the mode, the step writes down
// what `start` needs to run the container again (options.json) and the signal
// `stop` sends first.
// With -d nothing of the container's is connected to this CLI: the monitor makes
// its stdout and stderr (and with -i its stdin), and with -t takes its terminal.
const { closeSync, openSync } = process.getBuiltinModule('node:fs');
import { join } from 'node:path';
import { containerDir, containersDir } from '../container/store.js';
import { processStartTime } from '../container/state.js';
import type { Attachment } from '../container/stdio.js';
import type { RunContext, Step } from '../container/step.js';
import { native } from '../native.js';
import { monitorSpawner, type Monitor } from './monitor.js';
import { saveOptions } from './saved.js';
import { signalNumber } from './signame.js';
// <step 6.4>
import { resolve } from 'node:path';
import { ownFile } from '../paths.js';

const CLI_JS = ownFile('dist/cli.js');
// </step 6.4>

declare module '../container/step.js' {
  interface RunContext {
    monitor?: Monitor;
    /** set by `start`: the container existed already, and start says which one it started */
    reopened?: boolean;
  }
}

declare module '../container/state.js' {
  interface ContainerState {
    /** what `stop` sends first: --stop-signal, else the image's STOPSIGNAL, else SIGTERM */
    stopSignal?: number;
  }
}

declare module '../image/store.js' {
  interface ContainerDefaults {
    StopSignal?: string;
  }
}

export const detachStep: Step = {
  name: 'detach',
  configure(ctx) {
    if (!ctx.options.detach) return;
    const dir = containerDir(ctx.root, ctx.id);
    ctx.attach = () => monitorIo(ctx);
    // called once the steps have prepared: the cgroups are known by then
    ctx.spawn = (o) =>
      monitorSpawner(
        {
          exitFile: join(dir, 'exit.json'),
          logFile: join(dir, 'container.log'),
          cgroups: ctx.state.current.cgroups ?? [],
          oomCounter: ctx.cgroup?.oomCounter,
          removeDir: ctx.options.rm ? dir : undefined,
          lockFile: join(containersDir(ctx.root), '.lock'),
          openStdin: ctx.options.interactive && !ctx.options.tty, // with -t, the terminal is its stdin
          // <step 6.4>
          // what the container holds on a network goes back the moment it ends
          exitCommand: ctx.state.current.network?.held ? ['mydocker', CLI_JS, '--root', resolve(ctx.root), 'container', 'cleanup', ctx.id] : undefined,
          // </step 6.4>
        },
        (m) => (ctx.monitor = m),
      )(o);
  },
  prepare(ctx) {
    const { root, id, options: o } = ctx;
    const stop = o.stopSignal ?? ctx.image?.config.StopSignal;
    if (stop !== undefined) ctx.state.update({ stopSignal: signalNumber(stop) });
    if (!ctx.reopened && !o.rm) saveOptions(root, id, o);
  },
  started(ctx) {
    const monitor = ctx.monitor;
    if (!monitor) return false;
    // the monitor owns the container now: the sweep checks it, not us
    ctx.state.update({ cli: monitor.pid, cliStart: processStartTime(monitor.pid) });
    monitor.detach();
    ctx.cleanup.handOver();
    return true; // run -d: the CLI prints the id (src/cli/commands.ts)
  },
};

/** run -d's stdio: none of this CLI's (a detached container must not hold its caller's pipes) */
function monitorIo(ctx: RunContext): Attachment {
  const devnull = openSync('/dev/null', 'r+');
  return {
    stdio: [devnull, devnull, devnull], // the monitor gives the init its own pipes
    spawned: () => closeSync(devnull),
    // -t: the init made the terminal and we hold a copy of its master side; the
    // monitor takes its own, and then ours goes (the monitor's keeps the terminal up)
    connect(master) {
      try {
        native.setWinsize(master, 24, 80); // no terminal of ours to take the size from: docker's default
        ctx.monitor!.takeTerminal(master);
      } finally {
        closeSync(master);
      }
    },
    drained: Promise.resolve(),
    restore: () => {},
  };
}
