// Black-box test harness: drives whatever binary MYDOCKER names (default bin/mydocker),
// so a learner can run these tests against an implementation in any language.
import { noteCommand } from './steps.js'; // first: it wraps t.test before a test file registers any
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export { noteCommand };

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MYDOCKER = resolve(process.env.MYDOCKER ?? join(REPO, 'bin', 'mydocker'));
export const isRoot = process.getuid?.() === 0;
/** pass as a test's `skip` option: false when root, else the reason */
export const needsRoot: string | false = isRoot ? false : 'needs root: run the tests with sudo';
/**
 * A tag unique to this test process, for names on shared ground (cgroup parents, container
 * names, files in /tmp). Not the pid alone: in the runner's sandbox (a PID namespace of its
 * own) every test file is a small pid, the same in two sandboxes running side by side.
 * MYDOCKER_TEST_TAG (letters and digits) prefixes it, so a caller can find what a run left.
 */
export const UNIQUE = `${process.env.MYDOCKER_TEST_TAG ?? ''}${process.pid}-${randomBytes(4).toString('hex')}`;
/**
 * true when tools/test.mjs runs this file in its sandbox: new mount, UTS, IPC and PID
 * namespaces (with their own /proc), private propagation. Then every process /proc shows
 * and every mount added to mountinfo is this file's own (see mountChanges for removals).
 */
export const sandboxed = process.env.MYDOCKER_TEST_SANDBOX === '1';

// Chapter 06 gives every container a network by default: a bridge and iptables rules in
// the namespace mydocker runs in. Outside a test's own network namespace (mydocker(…,
// {netns})) that would be the machine's, so this test process and everything it starts
// run with dockerd's --bridge=none: no network unless a container asks for one.
process.env.MYDOCKER_DEFAULT_NETWORK ??= 'none';

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOpts {
  root?: string;
  input?: string | Buffer;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** called with the CLI's pid once it runs */
  onSpawn?: (pid: number) => void;
  /** run the CLI inside this network namespace (`ip netns exec NAME`): its bridges and rules stay there */
  netns?: string;
}

/** run the CLI with its own --root; resolves with exit status and output */
export function mydocker(args: string[], o: RunOpts = {}): Promise<Result> {
  const argv = o.root ? ['--root', o.root, ...args] : args;
  noteCommand(argv);
  const limit = o.timeoutMs ?? 60_000;
  return new Promise((resolvePromise, reject) => {
    const [file, fileArgs] = o.netns ? ['ip', ['netns', 'exec', o.netns, MYDOCKER, ...argv]] : [MYDOCKER, argv];
    // in a test's own network namespace, docker's default network again (see DEFAULT_NETWORK_ENV)
    const env = o.netns ? { ...(o.env ?? process.env), MYDOCKER_DEFAULT_NETWORK: undefined } : (o.env ?? process.env);
    const child = spawn(file, fileArgs, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.on('error', () => {}); // the CLI may exit before reading its stdin
    // on timeout: the CLI and everything below it (the container's processes too), not only
    // the CLI, which would leave a container holding our pipes open
    const timer = setTimeout(() => {
      timedOut = true;
      killTree(child.pid!);
    }, limit);
    let grace: NodeJS.Timeout | undefined;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(grace);
      if (timedOut) reject(new Error(`mydocker ${args.join(' ').slice(0, 200)}: timed out after ${limit / 1000} s (killed it and its processes)\nstdout: ${stdout.slice(-500)}\nstderr: ${stderr.slice(-500)}`));
      else resolvePromise({ code, signal, stdout, stderr });
    };
    child.on('error', (e) => {
      clearTimeout(timer);
      settled = true;
      reject(e);
    });
    child.on('spawn', () => o.onSpawn?.(child.pid!));
    // the CLI exited, but something it left behind (a container) may still hold stdout open:
    // wait 2 s for the pipes, then stop reading and answer
    child.on('exit', (code, signal) => {
      grace = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        stderr += `\n[test harness: the CLI exited (${code ?? signal}) but its stdout/stderr stayed open 2 s later: a process it started still holds them]`;
        finish(code, signal);
      }, 2_000);
    });
    child.on('close', (code, signal) => finish(code, signal));
    if (o.input !== undefined) child.stdin.end(o.input);
    else child.stdin.end();
  });
}

/** every descendant of pid (read from /proc), deepest first, then pid itself */
export function processTree(pid: number): number[] {
  return [...childrenOf(pid).flatMap(processTree), pid];
}

/** SIGKILL pid and all its descendants (collected first, so a reparented child is not missed) */
export function killTree(pid: number): void {
  for (const p of processTree(pid)) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

/** the folders this test file made (state roots, fixtures): what the leak check calls ours */
const ownDirs: string[] = [];
export function ownDir(dir: string): string {
  ownDirs.push(dir);
  return dir;
}

/** a fresh state root for one test file, removed at the end */
export function tmpRoot(t: { teardown(fn: () => void | Promise<void>): void }): string {
  const dir = ownDir(mkdtempSync(join(tmpdir(), 'mydocker-test-')));
  t.teardown(() => {
    // never delete through a mount: a leaked mount under the root fails the test instead
    const mounted = mountPoints().filter((m) => m === dir || m.startsWith(dir + '/'));
    if (mounted.length) throw new Error(`mounts left under ${dir}: ${mounted.join(', ')}`);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

export function mountPoints(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => unescapeMount(l.split(' ')[4]));
}

const unescapeMount = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));

/** pid namespaces of every process we can see: a container that outlives its test shows up here */
export function pidNamespaces(): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const ns = readlinkSync(`/proc/${p}/ns/pid`);
      m.set(ns, [...(m.get(ns) ?? []), Number(p)]);
    } catch {
      // gone, or a kernel thread
    }
  }
  return m;
}

/** cgroup directories mydocker may have created, in every hierarchy: parents and containers */
export function cgroupDirs(): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 4) return;
    let entries: string[];
    try {
      entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e);
      if (e === 'mydocker' || e.startsWith('mydocker-test')) {
        found.push(p); // a parent level mydocker made must go with the container it made it for
        try {
          for (const c of readdirSync(p, { withFileTypes: true })) if (c.isDirectory()) found.push(join(p, c.name));
        } catch {
          // removed meanwhile
        }
      }
      walk(p, depth + 1);
    }
  };
  if (existsSync('/sys/fs/cgroup')) walk('/sys/fs/cgroup', 0);
  return found;
}

export interface Snapshot {
  mounts: string;
  pidns: Set<string>;
  cgroups: string[];
}

export function snapshot(): Snapshot {
  return {
    mounts: readFileSync('/proc/self/mountinfo', 'utf8'),
    pidns: new Set(pidNamespaces().keys()),
    cgroups: cgroupDirs(),
  };
}

/** the processes this file started, and everything below them (reparented orphans included in the sandbox) */
function ourPids(): Set<number> {
  // in the sandbox every process /proc shows is ours; outside it, only our descendants
  if (sandboxed) return new Set([...pidNamespaces().values()].flat());
  return new Set(processTree(process.pid));
}

/** ids of the containers recorded under our roots (chapter 03 on keeps records) */
function ourContainerIds(): Set<string> {
  const ids = new Set<string>();
  for (const d of ownDirs) {
    try {
      for (const e of readdirSync(join(d, 'containers'))) if (/^[0-9a-f]{64}$/.test(e)) ids.add(e);
    } catch {
      // no records
    }
  }
  return ids;
}

/**
 * Mount points no other program takes away: the sandbox's root and the kernel's own
 * filesystems (and the cgroup hierarchies under /sys/fs/cgroup). A runtime without a
 * mount namespace of its own, or one that unmounts in the wrong namespace, removes these.
 */
const SYSTEM_MOUNTS = ['/', '/proc', '/sys', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/run', '/tmp', '/sys/fs/cgroup'];
const isUnder = (path: string, dir: string) => path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

/**
 * The mount part of the leak check, from two reads of /proc/self/mountinfo and the
 * folders this file owns. A mount is known by its id, parent, device, root and mount
 * point (the id alone is reused once freed), not by its whole line: the options also
 * change when another program remounts a filesystem the table shares, and that is
 * nobody's leak here.
 *   added: in the sandbox, every new mount (the sandbox's table is a private copy: only
 *          this file's commands can mount into it); outside it, those under our folders
 *          or on /, /proc, /sys, /dev (the host's table is everybody's).
 *   gone:  only mounts this file could have removed: under its own folders, or a system
 *          mount point. A program beside the tests (docker, podman) unmounting one of
 *          its own mounts is not this file's failure.
 */
export function mountChanges(before: string, after: string, own: readonly string[], sandbox: boolean): { added: string[]; gone: string[] } {
  const parse = (text: string) =>
    new Map(
      text
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          // id, parent, device, root, mount point: the options may change, the mount stays (a freed id is reused)
          const f = line.split(' ');
          return [f.slice(0, 5).join(' '), { line, point: unescapeMount(f[4] ?? '') }] as const;
        }),
    );
  const was = parse(before);
  const now = parse(after);
  const mine = (m: { line: string; point: string }) => own.some((d) => isUnder(m.point, d) || m.line.includes(d));
  const system = (point: string) => SYSTEM_MOUNTS.includes(point) || isUnder(point, '/sys/fs/cgroup');
  const added = [...now]
    .filter(([id]) => !was.has(id))
    .map(([, m]) => m)
    .filter((m) => sandbox || mine(m) || ['/', '/proc', '/sys', '/dev'].includes(m.point));
  const gone = [...was]
    .filter(([id]) => !now.has(id))
    .map(([, m]) => m)
    .filter((m) => mine(m) || system(m.point));
  return { added: added.map((m) => m.line), gone: gone.map((m) => m.line) };
}

/** what of a snapshot's difference is this file's own doing */
function ours(before: Snapshot, after: Snapshot) {
  const pids = ourPids();
  const ids = ourContainerIds();
  const { added: mounts, gone } = mountChanges(before.mounts, after.mounts, ownDirs, sandboxed);
  const pidns = [...after.pidns]
    .filter((ns) => !before.pidns.has(ns))
    .map((ns) => ({ ns, pids: (pidNamespaces().get(ns) ?? []).filter((p) => pids.has(p)) }))
    .filter((x) => x.pids.length);
  const cgroups = after.cgroups
    .filter((c) => !before.cgroups.includes(c))
    .filter((c) => {
      // our own parents carry UNIQUE in their name; a container cgroup is ours when its
      // id is one of our records or when it holds one of our processes
      if (c.includes(UNIQUE)) return true;
      const leaf = c.split('/').pop()!;
      if (ids.has(leaf)) return true;
      try {
        return readFileSync(join(c, 'cgroup.procs'), 'utf8').split('\n').some((p) => pids.has(Number(p)));
      } catch {
        return false;
      }
    });
  return { mounts, gone, pidns, cgroups };
}

/**
 * The leak check of a test file: take `snapshot()` before its tests, call this after
 * them. It adds a last test that fails when anything this file made outlived it: a
 * mount, a process in a new PID namespace, a container cgroup. It counts only what is
 * this file's own (its roots, its cgroup parents, the processes it started and theirs),
 * so other containers on the machine (docker, another run) do not fail it.
 */
export function noLeaks(t: Tap, before: Snapshot): void {
  t.test('nothing leaked: mounts, processes, cgroups', { skip: needsRoot }, async (t) => {
    // a container's processes die with its PID 1, but reaping takes a moment
    let left = ours(before, snapshot());
    for (let i = 0; i < 50 && (left.mounts.length || left.gone.length || left.pidns.length || left.cgroups.length); i++) {
      await sleep(100);
      left = ours(before, snapshot());
    }
    t.same(left.mounts, [], `no mount added${sandboxed ? ' (in the sandbox\'s mount table)' : ' (under our folders, or on /, /proc, /sys, /dev)'}: expected none, got ${left.mounts.length}`);
    t.same(left.gone, [], `no mount removed (under our folders, or a system mount such as /, /proc, /sys/fs/cgroup): expected none, got ${left.gone.length}`);
    t.same(left.pidns, [], 'no process left in a new PID namespace');
    t.same(left.cgroups, [], 'no container cgroup left');
  });
}

interface Tap {
  test(name: string, opts: { skip: string | false }, fn: (t: Tap & Asserts) => Promise<void>): unknown;
}
interface Asserts {
  equal(a: unknown, b: unknown, msg?: string): void;
  same(a: unknown, b: unknown, msg?: string): void;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** children of a pid, read from /proc (all threads) */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const c = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (c) out.push(...c.split(/\s+/).map(Number));
    }
  } catch {
    // gone
  }
  return out;
}

/** wait until fn returns a truthy value (polling), or throw after timeoutMs */
export async function waitFor<T>(fn: () => T | undefined | null | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * a registry nobody serves, on loopback: an image named under it is missing everywhere,
 * and a runtime that pulls missing images (chapter 07) never leaves the machine for it
 */
export const NO_REGISTRY = '127.0.0.1:9';

/**
 * `run` of an image that is nowhere fails with one line naming it — or, once run pulls a
 * missing image (chapter 07), docker's two: "Unable to find image 'X' locally", then the
 * pull's error
 */
export function missingImageLines(t: { equal(a: unknown, b: unknown, msg?: string): void; match(a: unknown, re: RegExp, msg?: string): void }, stderr: string, name: RegExp): void {
  const lines = stderr.split('\n').filter(Boolean);
  t.match(stderr, name, 'names the image');
  if (lines.length === 2) t.match(lines[0], /^Unable to find image '.*' locally$/, "docker's notice, then the pull's error");
  else t.equal(lines.length, 1, `exactly one line on stderr: ${JSON.stringify(stderr)}`);
}
