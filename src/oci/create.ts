// chapter: 08-oci
// `create`: run's pipeline (src/run.ts) with a list of steps of its own, up to the
// moment the command would start, and then this CLI exits. The bundle's config is the
// request; the record is runc's (container.ts); the cgroups, the start FIFO and the
// hooks are OCI's. The init is our child while we set it up, and is left behind
// waiting on exec.fifo: the kernel hands it to the nearest subreaper (containerd's
// shim) or to PID 1, which then gets its exit status — nobody of ours waits for it.
const { closeSync, openSync, readFileSync, writeFileSync } = process.getBuiltinModule('node:fs');
import { hostname, release } from 'node:os';
import { join, resolve } from 'node:path';
import { createCgroup } from '../cgroups/index.js';
import { CgroupDirs } from '../cgroups/fs.js';
import { Cleanup } from '../container/cleanup.js';
import type { RunOptions } from '../container/config.js';
import { processStartTime, StateRecord } from '../container/state.js';
// <step 8.5>
import type { Attachment } from '../container/stdio.js';
// </step 8.5>
import type { Step } from '../container/step.js';
import { RuntimeError } from '../errors.js';
import { native } from '../native.js';
import { startPipeline } from '../run.js';
import { containerCgroupfs } from '../security/cgroupfs.js';
import { CAP_MKNOD, DEVICE_RULES, devicesHierarchy, writeDeviceRules } from '../security/devices.js';
import { nativeArch } from '../security/seccomp.js';
import { ConfigError, fromConfig, type OciPlan } from './config.js';
import { removeCgroups, writePidFile, type OciContainer, type OciRecord } from './container.js';
import { makeFreezer } from './freezer.js';
// <step 8.6>
import { ociState } from './container.js';
import { runHooks } from './hooks.js';
// </step 8.6>
import { writeCpuPeriod } from './update.js';
// <step 8.5>
import { ociNative } from './oci-syscalls.js';
// </step 8.5>
import type { OciConfig } from './spec.js';

export interface CreateOptions {
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  noPivot: boolean;
  /** runc's warnings go to its log */
  warn(message: string): void;
}

const S_IFIFO = 0o010000;

export async function create(c: OciContainer, o: CreateOptions): Promise<void> {
  await startPipeline(
    {
      root: c.root,
      id: c.id,
      // no flags: the bundle says everything (the bundle step's configure), and none of
      // create's steps reads them. The pipeline's one: the init starts after prepare,
      // through the bundle's own spawner
      options: { command: [], interactive: false, tty: false, env: [], lateInit: true } as unknown as RunOptions,
      spec: { hostname: '', args: [], env: [], cwd: '/', tty: false },
      state: new StateRecord(), // kept in memory: the record later commands read is runc's (OciRecord)
      cleanup: new Cleanup(),
    },
    createSteps(c, o),
    // no front door: no parent-death signal, no signals forwarded, the container outlives this CLI
  );
}

/** create's steps: what each makes is undone through the pipeline's cleanup if create fails */
function createSteps(c: OciContainer, o: CreateOptions): Step[] {
  let plan: OciPlan;
  let record: OciRecord;
  // the files the init writes are opened here and passed on as its fds 5, 6, …: the root
  // of a user namespace is not the host's root and may not open them itself
  const passed: number[] = [];
  let initFds: number[] = [];
  let joins: [number, number][] = [];
  const closePassed = () => {
    for (const fd of passed.splice(0)) closeSync(fd);
  };
  return [
    {
      name: 'bundle',
      configure(ctx) {
        plan = readBundle(c, o);
        ctx.spec = plan.spec;
        // <step 8.5>
        ctx.attach = () => consoleSocket(o); // our stdio is the container's (containerd's pipes)
        // </step 8.5>
        ctx.spawn = (s) => native.spawn({ ...s, fds: [...s.fds!, ...initFds], cloneFlags: plan.cloneFlags, join: joins, uidMap: plan.uidMap, gidMap: plan.gidMap });
      },
    },
    {
      name: 'record',
      prepare(ctx) {
        c.make();
        ctx.cleanup.add('remove the container', () => c.remove());
        record = {
          id: c.id,
          bundle: resolve(o.bundle),
          pid: 0,
          pidStart: '',
          created: new Date().toISOString(),
          annotations: plan.annotations,
          cgroups: [],
          procs: [],
          poststart: plan.hooks.poststart,
          poststop: plan.hooks.poststop,
          startHooks: plan.hooks.startContainer.length > 0,
          cgroupsPath: plan.cgroupsPath,
        };
        c.write(record);
        native.mknod(c.fifo, S_IFIFO | 0o622, 0, 0);
        if (record.startHooks) native.mknod(c.hookFifo, S_IFIFO | 0o600, 0, 0);
      },
    },
    {
      name: 'cgroups',
      prepare(ctx) {
        ctx.cleanup.add('remove the cgroups', () => removeCgroups(record).catch(() => {}));
        makeCgroups(plan, record);
        c.write(record);
        if (ctx.spec.oci!.mounts.some((m) => m.type === 'cgroup')) ctx.spec.oci!.cgroupfs = containerCgroupfs(record.procs);
      },
    },
    {
      name: 'passed fds',
      prepare(ctx) {
        const spec = ctx.spec;
        ctx.cleanup.add('close the fds for the init', closePassed);
        passed.push(...record.procs.map((f) => openSync(f, 'w')), openSync(c.fifo, 'r+'));
        spec.cgroupProcsFds = record.procs.map((_, i) => 5 + i);
        spec.oci!.startFifo = 5 + record.procs.length;
        // <replaced-by 8.2>
        //~ if (plan.join.length) throw new RuntimeError('linux.namespaces: joining a namespace by its path arrives in step 8.2', 'usage');
        // </replaced-by 8.2>
        // <step 8.2>
        // the namespaces to join, by fd: opened now, setns'd by the addon's first stage
        joins = plan.join.map(({ path, flag }): [number, number] => {
          try {
            return [passed[passed.push(openSync(path, 'r')) - 1], flag];
          } catch (e) {
            throw new RuntimeError(`cannot open namespace path ${path}: ${(e as NodeJS.ErrnoException).code}`, 'usage', { cause: e });
          }
        });
        // </step 8.2>
        initFds = passed.slice(0, record.procs.length + 1);
      },
      spawning(_ctx, init) {
        closePassed(); // the init has its copies
        record.pid = init.pid;
        record.pidStart = processStartTime(init.pid) ?? '';
        c.write(record);
      },
    },
    // <step 8.6>
    {
      name: 'hooks',
      spawning(ctx) {
        // the namespaces exist; the init waits for its spec. prestart and createRuntime run
        // now, so that createContainer (in the init, before pivot_root) comes after them
        runHooks('prestart', plan.hooks.prestart, ociState(c, record));
        runHooks('createRuntime', plan.hooks.createRuntime, ociState(c, record));
        const hooks = ctx.spec.oci!.hooks;
        if (hooks) Object.assign(hooks, { state: ociState(c, record), result: record.startHooks ? c.hookFifo : undefined });
      },
    },
    // </step 8.6>
    {
      name: 'created',
      // {created}: set up, in its cgroup, waiting on exec.fifo; this CLI lets go of it
      started(ctx, init) {
        limits(plan, init.pid);
        if (o.pidFile) writePidFile(o.pidFile, init.pid);
        ctx.cleanup.handOver();
        return true;
      },
    },
  ];
}

/** the bundle's config.json, resolved into the plan: what the init does, and what create makes */
function readBundle(c: OciContainer, o: CreateOptions): OciPlan {
  const bundle = resolve(o.bundle);
  let config: OciConfig;
  try {
    config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
  } catch (e) {
    throw new RuntimeError(`cannot read ${join(bundle, 'config.json')}: ${(e as Error).message}`, 'usage', { cause: e });
  }
  let plan: OciPlan;
  try {
    plan = fromConfig(config, bundle, c.id, { hostname: hostname(), seccomp: { arch: nativeArch(), kernel: release() } });
  } catch (e) {
    if (e instanceof ConfigError) throw new RuntimeError(e.message, 'usage', { cause: e });
    throw e;
  }
  for (const w of plan.warnings) o.warn(w);
  if (o.noPivot) throw new RuntimeError('--no-pivot is not supported: the init always uses pivot_root', 'usage');
  if (plan.spec.tty && !o.consoleSocket) throw new RuntimeError('cannot allocate tty if runc will detach without setting console socket', 'usage');
  if (!plan.spec.tty && o.consoleSocket) throw new RuntimeError('cannot use console socket if runc will not detach or allocate tty', 'usage');
  return plan;
}

// <step 8.5>
/** the container's stdio is ours (containerd's pipes); with a terminal, its master goes to the console socket */
function consoleSocket(o: CreateOptions): Attachment {
  return {
    stdio: [0, 1, 2],
    spawned() {},
    connect(master) {
      try {
        ociNative.sendFd(o.consoleSocket!, master, 'console');
      } finally {
        closeSync(master);
      }
    },
    drained: Promise.resolve(),
    restore() {},
  };
}
// </step 8.5>

/** chapter 02's cgroup, plus what chapter 02 does not say: the cpu period as given, the config's device rules */
function makeCgroups(plan: OciPlan, record: OciRecord): void {
  const cgroup = createCgroup(plan.cgroupsPath, plan.resources);
  record.cgroups.push(...cgroup.made);
  record.procs.push(...cgroup.procs);
  const freezer = makeFreezer(plan.cgroupsPath); // pause and resume
  record.cgroups.push(...freezer.made);
  record.procs.push(...freezer.procs);
  writeCpuPeriod(plan.cgroupsPath, plan.cpuPeriod, plan.cpuQuota);
  const devices = devicesHierarchy();
  if (!devices) {
    // cgroup v2 takes an eBPF program for device rules, which we do not load (chapter 04):
    // no node the container makes may be usable, so CAP_MKNOD goes from every set
    const s = plan.spec.security!;
    s.capabilities = s.capabilities.filter((x) => x !== CAP_MKNOD);
    for (const set of Object.values(s.sets!)) set.splice(0, set.length, ...set.filter((x: number) => x !== CAP_MKNOD));
    return;
  }
  const dirs = new CgroupDirs();
  dirs.make(devices, plan.cgroupsPath, () => {});
  record.cgroups.push(...dirs.made);
  const dir = dirs.leaves[0];
  record.procs.push(`${dir}/cgroup.procs`);
  // runc's defaults come after the config's rules, and the config's own device nodes
  const nodes = plan.spec.oci!.devices.filter((d) => d.type !== 'p').map((d) => `${d.type === 'u' ? 'c' : d.type} ${d.major}:${d.minor} rwm`);
  writeDeviceRules(dir, [...plan.deviceRules, ...[...DEVICE_RULES, ...nodes].map((rule) => ({ allow: true, rule }))]);
}

/** oom_score_adj, set on the waiting init from outside: the command inherits it through execve */
function limits(plan: OciPlan, pid: number): void {
  if (plan.oomScoreAdj !== undefined) {
    try {
      writeFileSync(`/proc/${pid}/oom_score_adj`, String(plan.oomScoreAdj));
    } catch (e) {
      throw new RuntimeError(`cannot set oom_score_adj to ${plan.oomScoreAdj}: ${(e as NodeJS.ErrnoException).code}`, 'runtime', { cause: e });
    }
  }
}
