// chapter: 03-rootfs step 3.1
// The CLI's half of a container's root filesystem: the folders of its writable
// layer, the files docker generates (hostname, hosts, resolv.conf), the volumes,
// and the lists of paths to hide. The init mounts all of it (src/rootfs/setup.ts).
const { existsSync, mkdirSync } = process.getBuiltinModule('node:fs');
import { isAbsolute, join, normalize } from 'node:path';
// <step 3.4>
const { readFileSync, writeFileSync } = process.getBuiltinModule('node:fs');
import { basename } from 'node:path';
// </step 3.4>
import { containerDir } from '../container/store.js';
import type { MountSpec, RootfsSpec } from './spec.js';
import { RuntimeError } from '../errors.js';
import { procMountError } from './proc-mounts.js';

/** paths runc and docker hide from containers: kernel memory, keys, timing leaks */
const MASKED_PATHS = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/interrupts',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

/** paths a container may read but never write: kernel tunables for the whole host */
const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export interface Volume {
  /** a host path, or a named volume's folder under <root>/volumes */
  source: string;
  target: string;
  readonly: boolean;
  /** set for named volumes */
  name?: string;
}

// <step 3.3>
const VOLUME_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
// </step 3.3>

/** -v SOURCE:TARGET[:ro|rw]: SOURCE is an absolute host path or a volume name */
export function parseVolume(root: string, spec: string): Volume {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3) throw new RuntimeError(`invalid volume specification: "${spec}": use SOURCE:TARGET[:ro]`);
  const [source, target, mode = 'rw'] = parts;
  if (mode !== 'ro' && mode !== 'rw') throw new RuntimeError(`invalid volume specification: "${spec}": invalid mode "${mode}"`);
  if (!isAbsolute(target) || normalize(target) === '/')
    throw new RuntimeError(`invalid volume specification: "${spec}": the container path must be absolute and not "/"`);
  const readonly = mode === 'ro';
  const clean = normalize(target).replace(/\/+$/, '');
  const proc = procMountError(clean);
  if (proc) throw new RuntimeError(`invalid volume specification: "${spec}": ${proc}`);
  if (isAbsolute(source)) {
    if (!existsSync(source)) throw new RuntimeError(`invalid volume specification: "${spec}": bind source path does not exist: ${source}`);
    return { source, target: clean, readonly };
  }
  // <step 3.3>
  if (!VOLUME_NAME_RE.test(source)) throw new RuntimeError(`invalid volume specification: "${spec}": "${source}" is neither an absolute path nor a valid volume name`);
  return { source: join(root, 'volumes', source), target: clean, readonly, name: source };
  // </step 3.3>
  // <replaced-by 3.3 from 3.1>
  //~ void root; // step 3.3 keeps named volumes under it
  //~ throw new RuntimeError(`invalid volume specification: "${spec}": "${source}" is not an absolute path`);
  // </replaced-by 3.3>
}

interface RootfsInput {
  root: string;
  id: string;
  hostname: string;
  /** unpacked layer folders, bottom first (as the image store lists them) */
  layers: string[];
  volumes: Volume[];
}

/** what the runtime writes into every container's /etc (and `commit` leaves out) */
export const GENERATED_FILES = ['etc/hostname', 'etc/hosts', 'etc/resolv.conf'];

export function prepareRootfs(p: RootfsInput): RootfsSpec {
  const dir = containerDir(p.root, p.id);
  for (const d of ['upper', 'work', 'rootfs']) mkdirSync(join(dir, d), { recursive: true, mode: 0o755 });
  for (const v of p.volumes) if (v.name) mkdirSync(v.source, { recursive: true }); // named: made on first use

  // <step 3.4>
  const content = [`${p.hostname}\n`, '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n', resolvConf()];
  const generated: MountSpec[] = GENERATED_FILES.map((path, i) => {
    const file = join(dir, basename(path));
    writeFileSync(file, content[i]);
    return { source: file, target: `/${path}`, readonly: false };
  });
  // </step 3.4>
  // <replaced-by 3.4 from 3.1>
  //~ const generated: MountSpec[] = []; // step 3.4 writes /etc/hostname, /etc/hosts and /etc/resolv.conf
  // </replaced-by 3.4>
  return {
    lower: [...p.layers].reverse(), // overlay lists the top layer first
    upper: join(dir, 'upper'),
    work: join(dir, 'work'),
    target: join(dir, 'rootfs'),
    mounts: [...generated, ...p.volumes.map((v) => ({ source: v.source, target: v.target, readonly: v.readonly }))],
    maskedPaths: MASKED_PATHS,
    readonlyPaths: READONLY_PATHS,
  };
}
// <step 3.4>

/** the host's resolvers, minus loopback ones (unreachable from the container), as docker does */
function resolvConf(): string {
  let host = '';
  try {
    host = readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    // no resolver configured
  }
  const lines = host.split('\n').filter((l) => !/^\s*nameserver\s+(127\.|::1\s*$)/.test(l));
  const text = lines.join('\n').trim();
  return /^\s*nameserver/m.test(text) ? `${text}\n` : `${text}\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n`.trimStart();
}
// </step 3.4>
