// chapter: 08-oci
// `create`: everything of `run` up to the moment the command would start, and then
// this CLI exits. The init is our child while we set it up, and is left behind
// waiting on exec.fifo: the kernel hands it to the nearest subreaper (containerd's
// shim) or to PID 1, which then gets its exit status — nobody of ours waits for it.
const { closeSync, openSync, readFileSync, writeFileSync } = process.getBuiltinModule('node:fs');
import { hostname, release } from 'node:os';
import { join, resolve } from 'node:path';
import { createCgroup } from '../cgroups/index.js';
import { CgroupDirs } from '../cgroups/fs.js';
import { startInit } from '../container/process.js';
import { processStartTime } from '../container/state.js';
import { RuntimeError } from '../errors.js';
import { mountinfo } from '../mountinfo.js';
import { native } from '../native.js';
import { containerCgroupfs } from '../security/cgroupfs.js';
import { DEVICE_RULES } from '../security/devices.js';
import { nativeArch } from '../security/seccomp.js';
import { ConfigError, fromConfig, type OciPlan } from './config.js';
import { ociState, removeCgroups, writePidFile, type Container, type OciRecord } from './container.js';
import { makeFreezer } from './freezer.js';
import { runHooks } from './hooks.js';
import { writeCpuPeriod } from './update.js';
import { ociNative } from './native.js';
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
const CAP_MKNOD = 27;

export async function create(c: Container, o: CreateOptions): Promise<void> {
  const bundle = resolve(o.bundle);
  let config: OciConfig;
  try {
    config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
  } catch (e) {
    throw new RuntimeError(`cannot read ${join(bundle, 'config.json')}: ${(e as Error).message}`);
  }
  let plan: OciPlan;
  try {
    plan = fromConfig(config, bundle, c.id, { hostname: hostname(), seccomp: { arch: nativeArch(), kernel: release() } });
  } catch (e) {
    if (e instanceof ConfigError) throw new RuntimeError(e.message);
    throw e;
  }
  for (const w of plan.warnings) o.warn(w);
  if (o.noPivot) throw new RuntimeError('--no-pivot is not supported: the init always uses pivot_root');
  if (plan.spec.tty && !o.consoleSocket) throw new RuntimeError('cannot allocate tty if runc will detach without setting console socket');
  if (!plan.spec.tty && o.consoleSocket) throw new RuntimeError('cannot use console socket if runc will not detach or allocate tty');

  c.make();
  const record: OciRecord = {
    id: c.id,
    bundle,
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
  let init: ReturnType<typeof startInit> | undefined;
  const passed: number[] = [];
  try {
    c.write(record);
    native.mknod(c.fifo, S_IFIFO | 0o622, 0, 0);
    if (record.startHooks) native.mknod(c.hookFifo, S_IFIFO | 0o600, 0, 0);
    makeCgroups(plan, record);
    c.write(record);
    const spec = plan.spec;
    if (plan.spec.oci!.mounts.some((m) => m.type === 'cgroup')) spec.oci!.cgroupfs = containerCgroupfs(record.procs);
    // the files the init writes are opened here and passed on as its fds 5, 6, …: the root
    // of a user namespace is not the host's root and may not open them itself
    passed.push(...record.procs.map((f) => openSync(f, 'w')), openSync(c.fifo, 'r+'));
    spec.cgroupProcsFds = record.procs.map((_, i) => 5 + i);
    spec.oci!.startFifo = 5 + record.procs.length;
    // the namespaces to join, by fd: opened now, setns'd by the addon's first stage
    const join = plan.join.map(({ path, flag }): [number, number] => {
      try {
        return [passed[passed.push(openSync(path, 'r')) - 1], flag];
      } catch (e) {
        throw new RuntimeError(`cannot open namespace path ${path}: ${(e as NodeJS.ErrnoException).code}`);
      }
    });
    const fds = passed.slice(0, record.procs.length + 1);

    // our stdio is the container's (containerd's pipes); no parent-death signal: it outlives us
    init = startInit([0, 1, 2], (s) =>
      native.spawn({ ...s, fds: [...s.fds!, ...fds], cloneFlags: plan.cloneFlags, join, uidMap: plan.uidMap, gidMap: plan.gidMap, parentDeathSignal: undefined }),
    );
    for (const fd of passed.splice(0)) closeSync(fd); // the init has its copies
    record.pid = init.pid;
    record.pidStart = processStartTime(init.pid) ?? '';
    c.write(record);
    // the namespaces exist; the init waits for its spec. prestart and createRuntime run
    // now, so that createContainer (in the init, before pivot_root) comes after them
    runHooks('prestart', plan.hooks.prestart, ociState(c, record));
    runHooks('createRuntime', plan.hooks.createRuntime, ociState(c, record));
    if (spec.oci!.hooks) Object.assign(spec.oci!.hooks, { state: ociState(c, record), result: record.startHooks ? c.hookFifo : undefined });
    init.send(spec);
    init.go(); // the init's own setup runs; it stops again at exec.fifo
    if (spec.tty) {
      const master = await Promise.race([init.terminal, init.started.then(() => Promise.reject(new RuntimeError('the init made no terminal')))]);
      try {
        ociNative.sendFd(o.consoleSocket!, master, 'console');
      } finally {
        closeSync(master);
      }
    }
    await init.started; // {created}: set up, in its cgroup, waiting
    limits(plan, init.pid);
    if (o.pidFile) writePidFile(o.pidFile, init.pid);
  } catch (e) {
    for (const fd of passed) closeSync(fd);
    init?.signal(9);
    if (init) await init.exited;
    await removeCgroups(record).catch(() => {});
    c.remove();
    throw e;
  }
}

/** chapter 02's cgroup, plus what chapter 02 does not say: the cpu period as given, the config's device rules */
function makeCgroups(plan: OciPlan, record: OciRecord): void {
  const cgroup = createCgroup(plan.cgroupsPath, plan.resources);
  record.cgroups.push(...cgroup.made);
  record.procs.push(...cgroup.procs);
  const freezer = makeFreezer(plan.cgroupsPath); // pause and resume
  record.cgroups.push(...freezer.made);
  record.procs.push(...freezer.procs);
  writeCpuPeriod(plan.cgroupsPath, plan.cpuPeriod, plan.cpuQuota);
  const devices = mountinfo().find((m) => m.fstype === 'cgroup' && m.superOptions.includes('devices'))?.mountPoint;
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
  writeFileSync(`${dir}/devices.deny`, 'a');
  for (const r of plan.deviceRules) writeFileSync(`${dir}/devices.${r.allow ? 'allow' : 'deny'}`, r.rule);
  // runc's defaults come after the config's rules, and the config's own device nodes
  for (const rule of DEVICE_RULES) writeFileSync(`${dir}/devices.allow`, rule);
  for (const d of plan.spec.oci!.devices) if (d.type !== 'p') writeFileSync(`${dir}/devices.allow`, `${d.type === 'u' ? 'c' : d.type} ${d.major}:${d.minor} rwm`);
}

/** oom_score_adj, set on the waiting init from outside: the command inherits it through execve */
function limits(plan: OciPlan, pid: number): void {
  if (plan.oomScoreAdj !== undefined) {
    try {
      writeFileSync(`/proc/${pid}/oom_score_adj`, String(plan.oomScoreAdj));
    } catch (e) {
      throw new RuntimeError(`cannot set oom_score_adj to ${plan.oomScoreAdj}: ${(e as NodeJS.ErrnoException).code}`);
    }
  }
}
