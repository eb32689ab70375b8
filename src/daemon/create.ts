// chapter: 09-daemon
// POST /containers/create: docker's Config and HostConfig, turned into the very
// flags `mydocker run` takes, and parsed by the same code (src/cli/run-options.ts):
// one set of checks for both front doors. What mydocker cannot do yet is refused
// here with a clear 400, never dropped in silence.
import { RuntimeError } from '../errors.js';

type Json = Record<string, unknown>;

/** HostConfig fields mydocker has no code for: set to anything but their zero value, they are refused */
const UNSUPPORTED = [
  'Init', 'Devices', 'DeviceRequests', 'DeviceCgroupRules', 'Links', 'VolumesFrom', 'Tmpfs', 'Sysctls', 'Ulimits', 'ReadonlyRootfs',
  'OomKillDisable', 'PidMode', 'IpcMode', 'UTSMode', 'UsernsMode', 'StorageOpt', 'BlkioWeight', 'CpuQuota', 'CpuPeriod', 'KernelMemory',
  'MemoryReservation', 'Runtime',
];

const isSet = (v: unknown) => v !== undefined && v !== null && v !== false && v !== 0 && v !== '' && !(Array.isArray(v) && v.length === 0) && !(typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);

function strings(v: unknown, field: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new RuntimeError(`json: ${field} must be an array of strings`, 'usage');
  return v as string[];
}

function text(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new RuntimeError(`json: ${field} must be a string`, 'usage');
  return v;
}

function num(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RuntimeError(`json: ${field} must be a number`, 'usage');
  return v;
}

/** the request as `mydocker run -d` flags, then `--`, the image and its command; name: the ?name= query */
export function runArgs(body: Json, name: string | null, defaultCgroupParent?: string): string[] {
  const h = (body.HostConfig ?? {}) as Json;
  if (typeof h !== 'object' || Array.isArray(h)) throw new RuntimeError('json: HostConfig must be an object', 'usage');
  for (const key of UNSUPPORTED) {
    if (key === 'Runtime' && ['runc', 'mydocker'].includes(String(h.Runtime))) continue;
    if (isSet(h[key])) throw new RuntimeError(`HostConfig.${key} is not supported by mydockerd`, 'usage');
  }
  const restart = (h.RestartPolicy ?? {}) as Json;
  if (isSet(restart.Name) && restart.Name !== 'no') throw new RuntimeError(`HostConfig.RestartPolicy "${String(restart.Name)}" is not supported by mydockerd`, 'usage');
  const logType = ((h.LogConfig ?? {}) as Json).Type;
  if (isSet(logType) && logType !== 'json-file') throw new RuntimeError(`HostConfig.LogConfig.Type "${String(logType)}" is not supported by mydockerd: its logs are json-file`, 'usage');

  // with -t, stdin is typed into the container's terminal; without, the monitor keeps a -i
  // container's stdin pipe open but nothing can write to it yet: refused, never a run that hangs
  if (body.AttachStdin === true && body.Tty !== true)
    throw new RuntimeError('attaching stdin without a TTY (docker run -i without -t or -d) is not supported by mydockerd yet: docker run -d -i keeps a container\'s stdin open', 'usage');
  const image = text(body.Image, 'Image');
  if (!image) throw new RuntimeError('Config cannot be empty in order to create a container', 'usage');
  if (image.startsWith('/') || image.startsWith('-')) throw new RuntimeError(`invalid reference format: "${image}"`, 'usage');

  const a: string[] = ['--detach', '--pull', 'never']; // the daemon never pulls on create: 404, then the client pulls (seed 004)
  const opt = (flag: string, v: string | number | undefined) => void (v !== undefined && a.push(flag, String(v)));
  const each = (flag: string, vs: string[]) => vs.forEach((v) => a.push(flag, v));

  if (name) opt('--name', name.replace(/^\//, ''));
  opt('--hostname', text(body.Hostname, 'Hostname'));
  each('--env', strings(body.Env, 'Env').filter((kv) => kv.includes('='))); // KEY alone: docker's "unset"
  if (body.Tty === true) a.push('--tty');
  if (body.OpenStdin === true) a.push('--interactive');
  opt('--user', text(body.User, 'User'));
  opt('--workdir', text(body.WorkingDir, 'WorkingDir'));
  opt('--stop-signal', text(body.StopSignal, 'StopSignal'));
  let cmd = strings(body.Cmd, 'Cmd');
  if (body.Entrypoint !== undefined && body.Entrypoint !== null) {
    const ep = typeof body.Entrypoint === 'string' ? [body.Entrypoint] : strings(body.Entrypoint, 'Entrypoint');
    a.push('--entrypoint', ep[0] ?? '');
    cmd = [...ep.slice(1), ...cmd];
  }

  each('--volume', strings(h.Binds, 'HostConfig.Binds'));
  for (const m of (h.Mounts ?? []) as Json[]) {
    if (m.Type !== 'bind' && m.Type !== 'volume') throw new RuntimeError(`mount type "${String(m.Type)}" is not supported by mydockerd`, 'usage');
    a.push('--volume', `${String(m.Source)}:${String(m.Target)}${m.ReadOnly ? ':ro' : ''}`);
  }
  const network = text(h.NetworkMode, 'HostConfig.NetworkMode');
  opt('--network', !network || network === 'default' ? undefined : network); // default: the daemon's (--bridge)
  for (const [port, bindings] of Object.entries((h.PortBindings ?? {}) as Record<string, Json[] | null>)) {
    for (const b of bindings ?? [{}]) {
      const ip = text(b.HostIp, 'HostIp');
      const hostPort = text(b.HostPort, 'HostPort') ?? '';
      a.push('--publish', `${ip ? `${ip}:` : ''}${hostPort}${ip || hostPort ? ':' : ''}${port}`);
    }
  }
  if (h.PublishAllPorts === true) a.push('--publish-all');
  each('--dns', strings(h.Dns, 'HostConfig.Dns'));
  each('--add-host', strings(h.ExtraHosts, 'HostConfig.ExtraHosts'));

  const memory = num(h.Memory, 'HostConfig.Memory');
  if (memory) opt('--memory', memory);
  const swap = num(h.MemorySwap, 'HostConfig.MemorySwap');
  if (swap) opt('--memory-swap', swap);
  const nano = num(h.NanoCpus, 'HostConfig.NanoCpus');
  if (nano) opt('--cpus', nano / 1e9);
  const shares = num(h.CpuShares, 'HostConfig.CpuShares');
  if (shares) opt('--cpu-shares', shares);
  opt('--cpuset-cpus', text(h.CpusetCpus, 'HostConfig.CpusetCpus'));
  opt('--cpuset-mems', text(h.CpusetMems, 'HostConfig.CpusetMems'));
  const pids = num(h.PidsLimit, 'HostConfig.PidsLimit');
  if (pids) opt('--pids-limit', pids);
  opt('--cgroup-parent', text(h.CgroupParent, 'HostConfig.CgroupParent') ?? defaultCgroupParent); // dockerd's --cgroup-parent

  each('--cap-add', strings(h.CapAdd, 'HostConfig.CapAdd'));
  each('--cap-drop', strings(h.CapDrop, 'HostConfig.CapDrop'));
  if (h.Privileged === true) a.push('--privileged');
  each('--security-opt', strings(h.SecurityOpt, 'HostConfig.SecurityOpt'));
  each('--group-add', strings(h.GroupAdd, 'HostConfig.GroupAdd'));
  return [...a, '--', image, ...cmd];
}
