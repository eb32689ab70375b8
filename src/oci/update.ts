// chapter: 08-oci
// runc's `update`: new limits for a container that runs, written into the cgroup
// create made, by chapter 02's writers. The flags runc has for them (--memory,
// --cpu-shares, --cpu-quota, --cpu-period, --pids-limit) or a linux.resources JSON
// (-r FILE, "-" for stdin, what containerd's shim sends); a flag wins over the file.
const { readFileSync, writeFileSync } = process.getBuiltinModule('node:fs');
import { cgroupMode } from '../cgroups/index.js';
import { parseBytes, type Resources } from '../cgroups/limits.js';
import { v1Hierarchies, writeV1Limits } from '../cgroups/v1.js';
import { writeV2Limits } from '../cgroups/v2.js';
import { RuntimeError } from '../errors.js';
import { may, status, type OciContainer } from './container.js';
import type { OciResources } from './spec.js';

export function update(c: OciContainer, flags: Map<string, string>): void {
  const r = c.read();
  if (!may(status(c, r), 'update')) throw new RuntimeError('container not running', 'conflict');
  if (!r.cgroupsPath) throw new RuntimeError('this container was created without a recorded cgroup path');
  const file = flags.get('resources');
  let res: OciResources = {};
  if (file) {
    try {
      res = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8'));
    } catch (e) {
      throw new RuntimeError(`cannot read the resources ${file}: ${(e as Error).message}`, 'usage', { cause: e });
    }
  }
  const int = (flag: string) => {
    const v = flags.get(flag);
    if (v === undefined) return undefined;
    if (!/^-?\d+$/.test(v)) throw new RuntimeError(`invalid value "${v}" for flag --${flag}`, 'usage');
    return Number(v);
  };
  const memory = flags.get('memory');
  if (memory !== undefined) res.memory = { ...res.memory, limit: parseBytes(memory, '--memory') };
  for (const [flag, key] of [['cpu-shares', 'shares'], ['cpu-quota', 'quota'], ['cpu-period', 'period']] as const) {
    const n = int(flag);
    if (n !== undefined) res.cpu = { ...res.cpu, [key]: n };
  }
  const pids = int('pids-limit');
  if (pids !== undefined) res.pids = { limit: pids };

  const limits: Resources = {};
  if (res.memory?.limit) limits.memory = res.memory.limit;
  if (res.memory?.swap) limits.memorySwap = res.memory.swap;
  if (res.cpu?.shares) limits.cpuShares = res.cpu.shares;
  if (res.cpu?.cpus) limits.cpusetCpus = res.cpu.cpus;
  if (res.cpu?.mems) limits.cpusetMems = res.cpu.mems;
  if (res.pids?.limit && res.pids.limit > 0) limits.pidsLimit = res.pids.limit;
  const unified = cgroupMode() === 'unified';
  if (unified) writeV2Limits(`/sys/fs/cgroup/${r.cgroupsPath}`, limits);
  else writeV1Limits(r.cgroupsPath, limits);
  // 0 or -1: no limit (chapter 02 writes a limit only when there is one)
  if (res.pids?.limit !== undefined && res.pids.limit <= 0) writeFileSync(`${unified ? '/sys/fs/cgroup' : v1Hierarchies().get('pids')}/${r.cgroupsPath}/pids.max`, 'max');
  writeCpuPeriod(r.cgroupsPath, res.cpu?.period || undefined, res.cpu?.quota || undefined);
}

/** the CFS period and quota as given (chapter 02 keeps only --cpus, their ratio); v2 keeps what is not given */
export function writeCpuPeriod(path: string, period: number | undefined, quota: number | undefined): void {
  if (period === undefined && quota === undefined) return;
  const cpu = v1Hierarchies().get('cpu');
  if (cpu) {
    // the kernel checks quota against the period at each write: period first
    if (period) writeFileSync(`${cpu}/${path}/cpu.cfs_period_us`, String(period));
    if (quota) writeFileSync(`${cpu}/${path}/cpu.cfs_quota_us`, String(quota));
  } else {
    const file = `/sys/fs/cgroup/${path}/cpu.max`;
    const [q, p] = readFileSync(file, 'utf8').trim().split(' ');
    writeFileSync(file, `${quota ?? q} ${period ?? p}`);
  }
}
