// chapter: 01-namespaces
// `run`'s flags, and their translation into RunOptions. Every value is checked
// here, before anything is created: a bad one is a UsageError (exit 125).
import { list, str, UsageError, type OptSpec, type OptValues } from './args.js';
import type { RunOptions } from '../run.js';
// <chapter 02-cgroups>
import { parseCgroupParent, parseResources } from '../cgroups/limits.js';
// </chapter 02-cgroups>
// <chapter 03-rootfs>
import { checkAnyReference } from '../image/reference.js';
// </chapter 03-rootfs>

export const help: OptSpec = { long: 'help', desc: 'Print usage' };

export const runOptions: OptSpec[] = [
  { long: 'interactive', short: 'i', desc: "Keep STDIN open (otherwise it is /dev/null)" },
  { long: 'tty', short: 't', desc: 'Allocate a pseudo-TTY' },
  { long: 'hostname', short: 'h', value: 'name', desc: 'Container host name (default: the short container id)' },
  { long: 'env', short: 'e', value: 'KEY=VALUE', repeat: true, desc: 'Set an environment variable (repeatable)' },
  // <chapter 02-cgroups>
  { long: 'memory', short: 'm', value: 'bytes', desc: 'Memory limit (b, k, m, g)' },
  { long: 'memory-swap', value: 'bytes', desc: 'Memory plus swap limit; -1 for unlimited swap' },
  { long: 'cpus', value: 'decimal', desc: 'Number of CPUs' },
  { long: 'cpu-shares', short: 'c', value: 'int', desc: 'CPU shares (relative weight)' },
  { long: 'cpuset-cpus', value: 'list', desc: 'CPUs in which to allow execution (0-3, 0,1)' },
  { long: 'cpuset-mems', value: 'list', desc: 'Memory nodes in which to allow execution (0-3, 0,1)' },
  { long: 'pids-limit', value: 'int', desc: 'Tune container pids limit (-1 for unlimited)' },
  { long: 'cgroup-parent', value: 'path', desc: 'Parent cgroup for the container (default: mydocker)' },
  // </chapter 02-cgroups>
  // <chapter 03-rootfs>
  { long: 'name', value: 'name', desc: 'Assign a name to the container' },
  { long: 'rm', desc: 'Remove the container when it exits' },
  { long: 'volume', short: 'v', value: 'src:dst[:ro]', repeat: true, desc: 'Bind a host path or a named volume (repeatable)' },
  { long: 'workdir', short: 'w', value: 'dir', desc: 'Working directory inside the container' },
  { long: 'entrypoint', value: 'cmd', desc: "Overwrite the image's ENTRYPOINT" },
  // </chapter 03-rootfs>
  help,
];

// <chapter 03-rootfs>
function imageReference(image: string): void {
  try {
    checkAnyReference(image);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
// </chapter 03-rootfs>

const HOSTNAME_RE = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,61}[A-Za-z0-9])?$/;

/** turn parsed flags and the words after them into RunOptions, or say what is wrong */
export function runOptionsFrom(opts: OptValues, rest: string[]): RunOptions {
  if (rest.length === 0) throw new UsageError('"run" requires at least 1 argument: [IMAGE] COMMAND [ARG...]');
  // <replaced-by 03-rootfs>
  //~ if (!rest[0].startsWith('/')) throw new UsageError(`image "${rest[0]}": images arrive in chapter 03; give COMMAND as an absolute path`);
  // </replaced-by 03-rootfs>
  // <chapter 03-rootfs>
  // a first word that is an absolute path is chapter 01's COMMAND on the host's files
  const image = rest[0].startsWith('/') ? undefined : rest[0];
  if (image !== undefined) imageReference(image); // `run ''`, `run ../x`: docker's "invalid reference format"
  const workdir = str(opts.workdir);
  if (workdir !== undefined && !workdir.startsWith('/')) throw new UsageError(`the working directory "${workdir}" is invalid: it needs to be an absolute path`);
  // </chapter 03-rootfs>
  const hostname = str(opts.hostname);
  if (hostname !== undefined && !HOSTNAME_RE.test(hostname)) throw new UsageError(`invalid hostname "${hostname}"`);
  for (const kv of list(opts.env)) {
    if (kv === '' || kv.startsWith('=')) throw new UsageError(`invalid environment variable "${kv}"`);
  }
  return {
    // <replaced-by 03-rootfs>
    //~ command: rest,
    // </replaced-by 03-rootfs>
    interactive: opts.interactive === true,
    tty: opts.tty === true,
    hostname,
    env: list(opts.env),
    // <chapter 02-cgroups>
    resources: parseResources({
      memory: str(opts.memory),
      memorySwap: str(opts['memory-swap']),
      cpus: str(opts.cpus),
      cpuShares: str(opts['cpu-shares']),
      cpusetCpus: str(opts['cpuset-cpus']),
      cpusetMems: str(opts['cpuset-mems']),
      pidsLimit: str(opts['pids-limit']),
    }),
    cgroupParent: parseCgroupParent(str(opts['cgroup-parent']) ?? 'mydocker'),
    // </chapter 02-cgroups>
    // <chapter 03-rootfs>
    image,
    command: image ? rest.slice(1) : rest,
    name: str(opts.name),
    rm: opts.rm === true,
    volumes: list(opts.volume),
    workdir,
    entrypoint: str(opts.entrypoint),
    // </chapter 03-rootfs>
  };
}

