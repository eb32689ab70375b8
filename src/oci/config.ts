// chapter: 08-oci
// config.json (OCI runtime-spec 1.0.2) → the container config of chapters 01-05: the
// InitSpec the init follows (args, env, cwd, hostname, terminal, the capabilities,
// user, no_new_privs and seccomp of chapter 04) and what the CLI sets up around it
// (clone flags, the cgroup and its limits of chapter 02, rlimits, oom_score_adj, the
// hooks). Pure: no file is read or written here. Whatever the config asks that we
// cannot do is refused with the field's name — a runtime that silently ignored
// `linux.uidMappings` would run the container as real root.
import { isAbsolute, join, normalize } from 'node:path';
import { CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUTS, MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_PRIVATE, MS_RDONLY, MS_REC, MS_STRICTATIME } from '../native.js';
import type { InitSpec } from '../container/spec.js';
import type { Resources } from '../cgroups/limits.js';
import { CAPABILITIES } from '../security/capabilities.js';
import { resolveProfile, type Target } from '../security/seccomp.js';
import { RLIMITS, type Rlimit } from '../security/rlimits.js';
import type { HookName, OciConfig, OciDevice, OciDeviceRule, OciHook, OciIdMapping } from './spec.js';

/** one entry of `mounts`, as the init makes it (src/oci/rootfs.ts) */
export interface InitMount {
  destination: string;
  type: string;
  source: string;
  flags: number;
  /** the options mount(2) takes as its data string ("mode=755,size=65536k") */
  data: string;
  /** MS_SHARED, MS_PRIVATE, …: applied after the mount, one call each */
  propagation: number[];
}

/** what the init does with the bundle's root (InitSpec.oci) */
export interface OciInitSpec {
  /** the bundle's root filesystem, an absolute host path */
  root: string;
  readonly: boolean;
  mounts: InitMount[];
  devices: Required<OciDevice>[];
  sysctl: [string, string][];
  maskedPaths: string[];
  readonlyPaths: string[];
  /** the propagation of / inside the container (linux.rootfsPropagation) */
  rootPropagation: number;
  /** process.user.umask: set by the init right before the command */
  umask?: number;
  /** the FIFO the init waits on for `start`: an fd create opened and passed on */
  startFifo?: number;
  /** the namespaces the init is the first process of (the others are joined or the runtime's own) */
  newNamespaces: NamespaceType[];
  /** in a user namespace (new or joined): device nodes are bind mounts of the host's, mknod is refused */
  userNamespace: boolean;
}

declare module '../container/spec.js' {
  interface InitSpec {
    /** an OCI bundle's root and mounts (instead of chapter 03's image) */
    oci?: OciInitSpec;
  }
}

/** everything the config asks for, resolved */
export interface OciPlan {
  spec: InitSpec;
  /** the namespaces the init is cloned into */
  cloneFlags: number;
  /** the namespaces it joins first, in this order (runc's: user first) */
  join: { type: NamespaceType; path: string; flag: number }[];
  /** a new user namespace's /proc/PID/uid_map and gid_map */
  uidMap?: string;
  gidMap?: string;
  /** the container's cgroup, relative to each hierarchy's root */
  cgroupsPath: string;
  resources: Resources;
  /** cpu.cfs_period_us / cpu.cfs_quota_us as given (chapter 02 keeps only their ratio) */
  cpuPeriod?: number;
  cpuQuota?: number;
  /** devices cgroup rules (v1 devices.allow / devices.deny), in order */
  deviceRules: { allow: boolean; rule: string }[];
  oomScoreAdj?: number;
  hooks: Record<HookName, OciHook[]>;
  annotations: Record<string, string>;
  /** what the config asks that the kernel will not do, as runc warns about it */
  warnings: string[];
}

export class ConfigError extends Error {}

const fail = (field: string, why: string): never => {
  throw new ConfigError(`config.json: ${field}: ${why}`);
};

/** the host's facts the mapping needs (the hostname to keep, the seccomp target) */
export interface Host {
  hostname: string;
  seccomp: Omit<Target, 'caps'>;
}

const CLONE_NEWUSER = 0x10000000;
/** in runc's order of joining: the user namespace first (it decides what the others allow) */
const NAMESPACES = { user: CLONE_NEWUSER, ipc: CLONE_NEWIPC, uts: CLONE_NEWUTS, network: CLONE_NEWNET, pid: CLONE_NEWPID, mount: CLONE_NEWNS, cgroup: CLONE_NEWCGROUP };
type NamespaceType = keyof typeof NAMESPACES;

export function fromConfig(c: OciConfig, bundle: string, id: string, host: Host): OciPlan {
  if (typeof c.ociVersion !== 'string' || !c.ociVersion.startsWith('1.')) fail('ociVersion', `${JSON.stringify(c.ociVersion)} is not a 1.x runtime-spec version`);
  const p = c.process ?? fail('process', 'missing (create needs a process to run)');
  if (!Array.isArray(p.args) || p.args.length === 0) fail('process.args', 'must name a command');
  if (typeof p.cwd !== 'string' || !isAbsolute(p.cwd)) fail('process.cwd', 'must be an absolute path');
  const l = c.linux ?? {};
  for (const key of Object.keys(l)) if (!LINUX_FIELDS.has(key)) fail(`linux.${key}`, 'not supported');
  if (p.apparmorProfile) fail('process.apparmorProfile', 'AppArmor is not supported');
  if (p.selinuxLabel) fail('process.selinuxLabel', 'SELinux is not supported');
  if (l.mountLabel) fail('linux.mountLabel', 'SELinux is not supported');

  const ns = namespaces(l);
  if (c.hostname && !ns.listed.has('uts')) fail('hostname', 'needs a uts namespace');
  // runc's rule: masks made in the runtime's own mount namespace would be the host's business
  if ((l.maskedPaths?.length || l.readonlyPaths?.length) && !ns.listed.has('mount')) fail('linux.maskedPaths', 'masked and read-only paths need a mount namespace');

  const root = c.root ?? fail('root', 'missing');
  const rootPath = normalize(isAbsolute(root.path) ? root.path : join(bundle, root.path));

  const bounding = caps(p.capabilities?.bounding, 'bounding');
  const permitted = caps(p.capabilities?.permitted, 'permitted');
  const inheritable = caps(p.capabilities?.inheritable, 'inheritable');
  // the kernel keeps an ambient capability only if it is permitted and inheritable; runc
  // warns and goes on (`runc spec` itself asks for ambient ones it does not inherit)
  const ambient = caps(p.capabilities?.ambient, 'ambient');
  const warnings: string[] = [];
  const lost = ambient.filter((x) => !permitted.includes(x) || !inheritable.includes(x));
  if (lost.length) warnings.push(`process.capabilities.ambient: ${lost.map((x) => CAPABILITIES[x]).join(', ')} not permitted and inheritable: the kernel cannot keep them`);
  const spec: InitSpec = {
    // a new uts namespace starts as a copy of ours; a joined one or ours keeps its name
    hostname: c.hostname ?? (ns.created.includes('uts') ? host.hostname : ''),
    args: p.args,
    env: p.env ?? [],
    cwd: p.cwd,
    tty: p.terminal === true,
    cgroupNamespace: ns.created.includes('cgroup'),
    security: {
      capabilities: bounding,
      sets: {
        effective: caps(p.capabilities?.effective, 'effective'),
        permitted,
        inheritable,
        ambient: ambient.filter((x) => !lost.includes(x)),
      },
      noNewPrivileges: p.noNewPrivileges === true,
      privileged: false,
      seccomp: l.seccomp ? seccomp(l.seccomp, bounding, host) : undefined,
      user: `${uint(p.user?.uid ?? 0, 'process.user.uid')}:${uint(p.user?.gid ?? 0, 'process.user.gid')}`,
      groupAdd: (p.user?.additionalGids ?? []).map((g) => String(uint(g, 'process.user.additionalGids'))),
      rlimits: (p.rlimits ?? []).map((x) => rlimit(x.type, x.soft, x.hard)),
    },
    oci: {
      root: rootPath,
      readonly: root.readonly === true,
      mounts: (c.mounts ?? []).map((m, i) => mount(m, i, bundle, warnings)),
      devices: (l.devices ?? []).map(device),
      sysctl: Object.entries(l.sysctl ?? {}).map(([k, v]) => sysctl(k, v, ns.listed)),
      maskedPaths: (l.maskedPaths ?? []).map((x) => absolute(x, 'linux.maskedPaths')),
      readonlyPaths: (l.readonlyPaths ?? []).map((x) => absolute(x, 'linux.readonlyPaths')),
      umask: p.user?.umask === undefined ? undefined : p.user.umask & 0o777,
      newNamespaces: ns.created,
      userNamespace: ns.listed.has('user'),
      rootPropagation: l.rootfsPropagation ? (PROPAGATION[l.rootfsPropagation] ?? fail('linux.rootfsPropagation', `unknown ${JSON.stringify(l.rootfsPropagation)}`)) : MS_REC | MS_PRIVATE,
    },
  };

  const r = l.resources ?? {};
  // an empty value asks nothing (dockerd sends "blockIO": {} and the like): only a value is refused
  for (const [key, v] of Object.entries(r)) if (!['devices', 'memory', 'cpu', 'pids'].includes(key) && asks(v)) fail(`linux.resources.${key}`, 'not supported');
  const resources: Resources = {};
  const mem = r.memory ?? {};
  for (const [key, v] of Object.entries(mem)) if (!['limit', 'swap'].includes(key) && asks(v)) fail(`linux.resources.memory.${key}`, 'not supported');
  if (mem.limit !== undefined && mem.limit > 0) resources.memory = mem.limit;
  if (mem.swap !== undefined && mem.swap !== 0) resources.memorySwap = mem.swap;
  const cpu = r.cpu ?? {};
  if (cpu.realtimePeriod || cpu.realtimeRuntime) fail('linux.resources.cpu.realtimeRuntime', 'not supported');
  if (cpu.shares) resources.cpuShares = cpu.shares;
  if (cpu.cpus) resources.cpusetCpus = cpu.cpus;
  if (cpu.mems) resources.cpusetMems = cpu.mems;
  if (r.pids?.limit !== undefined && r.pids.limit > 0) resources.pidsLimit = r.pids.limit;

  const hooks = { prestart: [], createRuntime: [], createContainer: [], startContainer: [], poststart: [], poststop: [] } as Record<HookName, OciHook[]>;
  for (const [name, list] of Object.entries(c.hooks ?? {})) {
    if (!(name in hooks)) fail(`hooks.${name}`, 'unknown hook');
    for (const h of list ?? []) if (!isAbsolute(h.path ?? '')) fail(`hooks.${name}`, `the path ${JSON.stringify(h.path)} must be absolute`);
    hooks[name as HookName] = list ?? [];
  }
  // the init runs these two itself, inside the container (src/oci/container-hooks.ts)
  if (hooks.createContainer.length || hooks.startContainer.length) spec.oci!.hooks = { createContainer: hooks.createContainer, startContainer: hooks.startContainer };

  return {
    spec,
    cloneFlags: ns.created.reduce((flags, t) => (t === 'cgroup' ? flags : flags | NAMESPACES[t]), 0), // the init makes its cgroup namespace last
    join: ns.join,
    uidMap: ns.uidMap,
    gidMap: ns.gidMap,
    cgroupsPath: cgroupsPath(l.cgroupsPath, id),
    resources,
    cpuPeriod: cpu.period || undefined,
    cpuQuota: cpu.quota || undefined,
    deviceRules: (r.devices ?? []).map(deviceRule),
    oomScoreAdj: p.oomScoreAdj,
    hooks,
    annotations: c.annotations ?? {},
    warnings,
  };
}

/**
 * linux.namespaces: each listed type is new, or joined when it has a path; a type not
 * listed is the runtime's own (runc's reading of the spec). A new user namespace needs
 * its mappings, which only it can take.
 */
function namespaces(l: NonNullable<OciConfig['linux']>) {
  const listed = new Set<NamespaceType>();
  const created: NamespaceType[] = [];
  const join: OciPlan['join'] = [];
  for (const n of l.namespaces ?? []) {
    if (!(n.type in NAMESPACES)) fail('linux.namespaces', `${JSON.stringify(n.type)} namespaces are not supported`);
    const type = n.type as NamespaceType;
    if (listed.has(type)) fail('linux.namespaces', `${type} is listed twice`);
    listed.add(type);
    if (n.path) join.push({ type, path: absolute(n.path, `linux.namespaces[${type}].path`), flag: NAMESPACES[type] });
    else created.push(type);
  }
  const order = Object.keys(NAMESPACES);
  join.sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type));
  const mapped = Boolean(l.uidMappings?.length || l.gidMappings?.length);
  if (mapped && !created.includes('user')) fail('linux.uidMappings', listed.has('user') ? 'a joined user namespace has its mappings already' : 'user namespace mappings need a user namespace in linux.namespaces');
  if (created.includes('user') && !(l.uidMappings?.length && l.gidMappings?.length)) fail('linux.namespaces', 'a new user namespace needs linux.uidMappings and linux.gidMappings');
  const idMap = (m: OciIdMapping[] | undefined, field: string) =>
    m?.map((x, i) => `${uint(x.containerID, `${field}[${i}].containerID`)} ${uint(x.hostID, `${field}[${i}].hostID`)} ${x.size > 0 ? uint(x.size, `${field}[${i}].size`) : fail(`${field}[${i}].size`, 'must be positive')}\n`).join('');
  return { listed, created, join, uidMap: idMap(l.uidMappings, 'linux.uidMappings'), gidMap: idMap(l.gidMappings, 'linux.gidMappings') };
}

const LINUX_FIELDS = new Set([
  'namespaces', 'uidMappings', 'gidMappings', 'devices', 'cgroupsPath', 'resources', 'rootfsPropagation',
  'seccomp', 'sysctl', 'maskedPaths', 'readonlyPaths', 'mountLabel',
]);

/** does a config value ask for anything: a number other than 0, true, a non-empty string or list, an object with such a value */
function asks(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.values(v).some(asks);
  return true;
}

function uint(n: number, field: string): number {
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 32 - 2) fail(field, `${n} is not an id`);
  return n;
}

function absolute(path: string, field: string): string {
  if (typeof path !== 'string' || !isAbsolute(path)) fail(field, `${JSON.stringify(path)} is not an absolute path`);
  return path;
}

/** capability names → numbers; an unknown name is refused, as runc does */
function caps(names: string[] | undefined, set: string): number[] {
  return (names ?? []).map((n) => {
    const i = (CAPABILITIES as readonly string[]).indexOf(n);
    return i >= 0 ? i : fail(`process.capabilities.${set}`, `unknown capability ${JSON.stringify(n)}`);
  });
}

function seccomp(s: NonNullable<OciConfig['linux']>['seccomp'] & object, bounding: number[], host: Host) {
  if (s.flags?.length) fail('linux.seccomp.flags', 'not supported');
  if (s.listenerPath) fail('linux.seccomp.listenerPath', 'not supported');
  for (const call of s.syscalls ?? []) if (call.action === 'SCMP_ACT_NOTIFY') fail('linux.seccomp', 'SCMP_ACT_NOTIFY is not supported');
  // the same format as docker's profiles, without includes/excludes: chapter 04's resolver
  return resolveProfile({ ...s, syscalls: s.syscalls?.map((x) => ({ ...x, args: x.args ?? null })) }, { ...host.seccomp, caps: bounding.map((c) => CAPABILITIES[c]) });
}

const FLAGS: Record<string, [set: number, clear: number]> = {
  ro: [MS_RDONLY, 0], rw: [0, MS_RDONLY],
  nosuid: [MS_NOSUID, 0], suid: [0, MS_NOSUID],
  nodev: [MS_NODEV, 0], dev: [0, MS_NODEV],
  noexec: [MS_NOEXEC, 0], exec: [0, MS_NOEXEC],
  sync: [16, 0], async: [0, 16],
  dirsync: [128, 0],
  mand: [64, 0], nomand: [0, 64],
  noatime: [1024, 0], atime: [0, 1024],
  nodiratime: [2048, 0], diratime: [0, 2048],
  relatime: [1 << 21, 0], norelatime: [0, 1 << 21],
  strictatime: [MS_STRICTATIME, 0], nostrictatime: [0, MS_STRICTATIME],
  bind: [MS_BIND, 0], rbind: [MS_BIND | MS_REC, 0],
};

const MS_UNBINDABLE = 1 << 17;
const MS_SLAVE = 1 << 19;
const MS_SHARED = 1 << 20;
const PROPAGATION: Record<string, number> = {
  private: MS_PRIVATE, rprivate: MS_PRIVATE | MS_REC,
  shared: MS_SHARED, rshared: MS_SHARED | MS_REC,
  slave: MS_SLAVE, rslave: MS_SLAVE | MS_REC,
  unbindable: MS_UNBINDABLE, runbindable: MS_UNBINDABLE | MS_REC,
};

function mount(m: { destination: string; type?: string; source?: string; options?: string[] }, i: number, bundle: string, warnings: string[]): InitMount {
  const field = `mounts[${i}]`;
  absolute(m.destination, `${field}.destination`);
  let flags = 0;
  const data: string[] = [];
  const propagation: number[] = [];
  for (const o of m.options ?? []) {
    if (o in FLAGS) {
      flags = (flags | FLAGS[o][0]) & ~FLAGS[o][1];
    } else if (o in PROPAGATION) propagation.push(PROPAGATION[o]);
    else if (o === 'remount' || o.startsWith('tmpcopyup') || o.startsWith('idmap') || o.startsWith('rro') || o.startsWith('x-')) fail(`${field}.options`, `${JSON.stringify(o)} is not supported`);
    else data.push(o);
  }
  const bind = (flags & MS_BIND) !== 0 || m.type === 'bind';
  if (bind) flags |= MS_BIND;
  if (!bind && !m.type) fail(`${field}.type`, 'missing');
  if (bind && !m.source) fail(`${field}.source`, 'a bind mount needs a source');
  // mount(2) ignores the data of a bind (runc passes it all the same): said, and dropped
  if (bind && data.length) warnings.push(`${field}.options: ${data.join(',')}: a bind mount takes no filesystem options, ignored`);
  if (m.type === 'cgroup' && !(flags & MS_RDONLY)) fail(`${field}.options`, 'a cgroup mount is read-only here (chapter 04: the container cannot lift its limits)');
  const source = bind && !isAbsolute(m.source!) ? join(bundle, m.source!) : (m.source ?? m.type!); // a bind's relative source is the bundle's
  return { destination: normalize(m.destination).replace(/(.)\/+$/, '$1'), type: bind ? 'bind' : m.type!, source, flags, data: bind ? '' : data.join(','), propagation };
}

function device(d: OciDevice, i: number): Required<OciDevice> {
  const field = `linux.devices[${i}]`;
  absolute(d.path, `${field}.path`);
  if (!['c', 'u', 'b', 'p'].includes(d.type)) fail(`${field}.type`, `${JSON.stringify(d.type)} is not c, b, u or p`);
  if (d.type !== 'p' && (d.major === undefined || d.minor === undefined)) fail(field, 'a character or block device needs major and minor');
  return { type: d.type, path: d.path, major: d.major ?? 0, minor: d.minor ?? 0, fileMode: d.fileMode ?? 0o666, uid: d.uid ?? 0, gid: d.gid ?? 0 };
}

/** cgroup v1's devices.allow syntax: "c 1:3 rwm", "a" */
function deviceRule(d: OciDeviceRule): { allow: boolean; rule: string } {
  const type = d.type ?? 'a';
  if (!['a', 'c', 'b'].includes(type)) fail('linux.resources.devices', `unknown type ${JSON.stringify(type)}`);
  const access = d.access ?? 'rwm';
  if (!/^[rwm]+$/.test(access)) fail('linux.resources.devices', `unknown access ${JSON.stringify(access)}`);
  const num = (n: number | null | undefined) => (n === undefined || n === null || n < 0 ? '*' : String(n));
  return { allow: d.allow === true, rule: type === 'a' ? 'a' : `${type} ${num(d.major)}:${num(d.minor)} ${access}` };
}

/** only namespaced sysctls, and only when their namespace is the container's own (runc's rule) */
function sysctl(key: string, value: string, types: Set<NamespaceType>): [string, string] {
  const ipc = ['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced'];
  if (ipc.includes(key) || key.startsWith('fs.mqueue.')) {
    if (!types.has('ipc')) fail(`linux.sysctl.${key}`, 'needs an ipc namespace');
  } else if (key.startsWith('net.')) {
    if (!types.has('network')) fail(`linux.sysctl.${key}`, 'needs a network namespace');
  } else if (key === 'kernel.hostname' || key === 'kernel.domainname') {
    if (!types.has('uts')) fail(`linux.sysctl.${key}`, 'needs a uts namespace');
  } else fail(`linux.sysctl.${key}`, 'not namespaced: it would change the host');
  if (key.includes('/') || key.includes('..')) fail(`linux.sysctl.${key}`, 'invalid name');
  return [key, String(value)];
}

/** RLIMIT_NOFILE → nofile */
function rlimit(type: string, soft: number, hard: number): Rlimit {
  const name = type.replace(/^RLIMIT_/, '');
  if (!type.startsWith('RLIMIT_') || !(name.toLowerCase() in RLIMITS)) fail('process.rlimits', `unknown ${JSON.stringify(type)}`);
  if (soft > hard) fail('process.rlimits', `${type}: soft ${soft} above hard ${hard}`);
  return { resource: name.toLowerCase(), soft, hard };
}

/** runc's default: /<id>; an absolute or relative path is taken under each hierarchy's root */
function cgroupsPath(path: string | undefined, id: string): string {
  if (path && path.includes(':')) fail('linux.cgroupsPath', `${JSON.stringify(path)} is a systemd slice:prefix:name (needs --systemd-cgroup, not supported)`);
  const clean = normalize(`/${path || id}`).replace(/^\/+/, '');
  if (!clean || clean.startsWith('..')) fail('linux.cgroupsPath', `${JSON.stringify(path)} is not a cgroup path`);
  return clean;
}
