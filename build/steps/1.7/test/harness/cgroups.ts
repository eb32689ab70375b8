// Where a container's cgroup files are, read from the outside, on either cgroup
// version — without importing mydocker's own code, so learners' runtimes are
// judged by the same reading.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statfsSync, writeFileSync } from 'node:fs';

export type Mode = 'unified' | 'hybrid' | 'legacy';

export function hostMode(): Mode {
  const v2 = (d: string) => {
    try {
      return statfsSync(d).type === 0x63677270;
    } catch {
      return false;
    }
  };
  return v2('/sys/fs/cgroup') ? 'unified' : v2('/sys/fs/cgroup/unified') ? 'hybrid' : 'legacy';
}

/** the directory holding a controller's files: its v1 hierarchy, or the unified tree */
export function controllerBase(controller: string): string | undefined {
  if (hostMode() === 'unified') return '/sys/fs/cgroup';
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [left, right] = line.split(' - ');
    if (right?.startsWith('cgroup ') && right.split(' ')[2]?.split(',').includes(controller)) return left.split(' ')[4];
  }
  return undefined;
}

/** the one cgroup below parent that holds a process (that process, when pid is given): the running container's */
export function containerCgroup(parent: string, controller = 'pids', pid?: number): string | undefined {
  const dir = `${controllerBase(controller)}/${parent}`;
  if (!existsSync(dir)) return undefined;
  const leaves = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory());
  for (const e of leaves) {
    let procs = '';
    try {
      procs = readFileSync(`${dir}/${e.name}/cgroup.procs`, 'utf8').trim();
    } catch {
      continue; // removed meanwhile
    }
    if (pid === undefined ? procs : procs.split('\n').includes(String(pid))) return e.name;
  }
  return undefined;
}

/** the value of a cgroup file of the container `name` under parent (file names say the controller) */
export function cgroupFile(parent: string, name: string, file: string): string {
  const controller = file.split('.')[0];
  return readFileSync(`${controllerBase(controller)}/${parent}/${name}/${file}`, 'utf8').trim();
}

/** the hierarchies a container's cgroup lives in: the unified tree, or one per v1 controller (devices: chapter 04) */
function hierarchies(): string[] {
  if (hostMode() === 'unified') return ['/sys/fs/cgroup'];
  return [...new Set(['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'devices'].map(controllerBase))].filter((b): b is string => !!b);
}

/** every container cgroup left below parent, in any hierarchy */
export function leftUnder(parent: string): string[] {
  return hierarchies().flatMap((b) => {
    const dir = `${b}/${parent}`;
    return existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `${dir}/${e.name}`) : [];
  });
}

/** remove a test's (empty) parent cgroup from every hierarchy */
export function removeParent(parent: string): void {
  for (const b of hierarchies()) {
    try {
      rmdirSync(`${b}/${parent}`);
    } catch {
      // absent, or (a leak the test reports) not empty
    }
  }
}

/**
 * A cgroup tree of this test's own, seen by the CLI as the whole tree: a directory `name`
 * in every cgroup hierarchy, bind-mounted over that hierarchy's mount point in a mount
 * namespace made for the CLI (prefix). What the CLI makes at the top of the tree (the
 * default parent, `mydocker`) is then made in here, so another mydocker running on the
 * machine at the same time (a second test run, a learner's containers) cannot share it.
 * base(controller) is where a test looks from the outside; remove() takes the tree away.
 */
export function privateCgroups(name: string): { name: string; prefix: string[]; base(controller: string): string; remove(): void } {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => {
      const [left, right] = line.split(' - ');
      return { point: left?.split(' ')[4], type: right?.split(' ')[0], options: right?.split(' ')[2] ?? '' };
    })
    .filter((m): m is { point: string; type: string; options: string } => !!m.point?.startsWith('/sys/fs/cgroup') && (m.type === 'cgroup' || m.type === 'cgroup2'));
  const points = [...new Set(mounts.map((m) => m.point))];
  for (const m of mounts) {
    const dir = `${m.point}/${name}`;
    if (!existsSync(dir)) mkdirSync(dir);
    // a v1 cpuset starts with no CPUs and no memory nodes: nothing could join it
    if (m.type === 'cgroup' && m.options.split(',').includes('cpuset'))
      for (const f of ['cpuset.cpus', 'cpuset.mems']) writeFileSync(`${dir}/${f}`, readFileSync(`${m.point}/${f}`));
  }
  const script = `for m in "$@"; do case $m in --) shift; break;; esac; mount --bind "$m/${name}" "$m" || exit 125; shift; done; exec "$@"`;
  return {
    name,
    prefix: ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'sh', ...points, '--'],
    base: (controller) => `${controllerBase(controller)}/${name}`,
    // rmdir only, deepest first: a cgroup that still holds a process stays (and the test says so)
    remove: () => {
      const sweep = (dir: string): void => {
        for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) sweep(`${dir}/${e.name}`);
        try {
          rmdirSync(dir);
        } catch {
          // still in use
        }
      };
      for (const p of points) if (existsSync(`${p}/${name}`)) sweep(`${p}/${name}`);
    },
  };
}
