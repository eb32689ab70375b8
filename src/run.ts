// chapter: 01-namespaces
// The run pipeline, top to bottom: each chapter adds a step here, none rewrites one.
import { constants } from 'node:os';
import { Cleanup } from './container/cleanup.js';
import { newId, shortId } from './container/id.js';
import { forwardSignals, startInit } from './container/process.js';
import type { InitSpec } from './container/spec.js';
import { attach } from './container/stdio.js';
import type { ExitInfo } from './native.js';
import { log } from './log.js';
// <chapter 02-cgroups>
import { createCgroup } from './cgroups/index.js';
import type { Resources } from './cgroups/limits.js';
// </chapter 02-cgroups>
// <chapter 03-rootfs>
import { createRecord } from './container/create.js';
// </chapter 03-rootfs>
// <chapter 04-security>
import type { SecuritySpec } from './security/apply.js';
// </chapter 04-security>

export interface RunOptions {
  /** the user's command and its arguments, untouched */
  command: string[];
  interactive: boolean;
  tty: boolean;
  hostname?: string;
  /** -e values: KEY=VALUE, or KEY to copy it from the CLI's environment */
  env: string[];
  // <chapter 02-cgroups>
  resources: Resources;
  /** the container's cgroup is <cgroupParent>/<id> in each hierarchy */
  cgroupParent: string;
  // </chapter 02-cgroups>
  // <chapter 03-rootfs>
  /** absent: chapter 01's mode, the command runs on the host's files */
  image?: string;
  name?: string;
  rm: boolean;
  volumes: string[];
  workdir?: string;
  entrypoint?: string;
  // </chapter 03-rootfs>
  // <chapter 04-security>
  security: SecuritySpec;
  // </chapter 04-security>
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export async function run(root: string, o: RunOptions): Promise<number> {
  const id = newId();
  const hostname = o.hostname ?? shortId(id);
  const cleanup = new Cleanup();
  const io = attach(o);
  cleanup.add('restore the terminal', () => io.restore());
  try {
    const spec: InitSpec = {
      hostname,
      args: o.command,
      env: containerEnv(o, hostname),
      cwd: '/',
      tty: o.tty,
    };
    // <chapter 04-security>
    spec.security = o.security;
    // </chapter 04-security>
    // <chapter 02-cgroups>
    const cgroup = createCgroup(`${o.cgroupParent}/${id}`, o.resources); // limits in place before the command starts
    cleanup.add('remove the cgroup', () => cgroup.remove());
    spec.cgroupProcs = cgroup.procs;
    // </chapter 02-cgroups>
    // <chapter 03-rootfs>
    const record = createRecord(root, id, o, spec); // the image, the record, the rootfs
    cleanup.add('record how it ended', (failure) => record.finished(failure));
    // </chapter 03-rootfs>
    log.debug(`container ${id}: ${JSON.stringify(spec.args)}`);

    const init = startInit(spec, io.stdio);
    io.spawned();
    cleanup.add('stop the container', async () => {
      init.signal(constants.signals.SIGKILL);
      await init.exited;
    });
    cleanup.add('stop forwarding signals', forwardSignals(init));
    // <chapter 03-rootfs>
    record.running(init.pid);
    // </chapter 03-rootfs>

    if (o.tty) io.connect(await Promise.race([init.terminal, init.started.then(() => Promise.reject(new Error('no terminal')))]));
    init.go();
    await init.started;
    const exit = await init.exited;
    await io.drained;
    // <chapter 02-cgroups>
    if (exit.signal === constants.signals.SIGKILL && cgroup.oomKilled()) log.debug(`container ${id} was killed by the kernel's OOM killer (memory limit ${o.resources.memory} bytes)`);
    // </chapter 02-cgroups>
    // <chapter 03-rootfs>
    record.exited(exitStatus(exit));
    // </chapter 03-rootfs>
    return exitStatus(exit);
  } catch (e) {
    cleanup.failed(e as Error);
    throw e;
  } finally {
    await cleanup.run();
  }
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
  if (o.tty) put('TERM=xterm');
  for (const kv of base) if (kv.indexOf('=') > 0) put(kv); // the image's: never copied from our environment
  o.env.forEach(put);
  return [...env.values()];
}

/** the container's status as docker reports it: 128+N when killed by signal N */
export function exitStatus(e: ExitInfo): number {
  if (e.signal !== null) return 128 + e.signal;
  return e.exitCode ?? 125;
}
