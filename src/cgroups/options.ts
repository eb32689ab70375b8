// chapter: 02-cgroups step 2.1
// `run`'s resource flags, docker's names and units.
import { str, type OptionGroup } from '../toolkit/args.js';
import { parseCgroupParent, parseResources } from './limits.js';

export const cgroupOptions: OptionGroup = {
  options: [
    { long: 'memory', short: 'm', value: 'bytes', desc: 'Memory limit (b, k, m, g)' },
    { long: 'memory-swap', value: 'bytes', desc: 'Memory plus swap limit; -1 for unlimited swap' },
    { long: 'cpus', value: 'decimal', desc: 'Number of CPUs' },
    { long: 'cpu-shares', short: 'c', value: 'int', desc: 'CPU shares (relative weight)' },
    { long: 'cpuset-cpus', value: 'list', desc: 'CPUs in which to allow execution (0-3, 0,1)' },
    { long: 'cpuset-mems', value: 'list', desc: 'Memory nodes in which to allow execution (0-3, 0,1)' },
    { long: 'pids-limit', value: 'int', desc: 'Tune container pids limit (-1 for unlimited)' },
    { long: 'cgroup-parent', value: 'path', desc: 'Parent cgroup for the container (default: mydocker)' },
  ],
  fill(v, o) {
    o.resources = parseResources({
      memory: str(v.memory),
      memorySwap: str(v['memory-swap']),
      cpus: str(v.cpus),
      cpuShares: str(v['cpu-shares']),
      cpusetCpus: str(v['cpuset-cpus']),
      cpusetMems: str(v['cpuset-mems']),
      pidsLimit: str(v['pids-limit']),
    });
    o.cgroupParent = parseCgroupParent(str(v['cgroup-parent']) ?? 'mydocker');
  },
};
