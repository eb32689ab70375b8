// Black-box test harness: drives whatever binary MYDOCKER names (default bin/mydocker),
// so a learner can run these tests against an implementation in any language.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MYDOCKER = resolve(process.env.MYDOCKER ?? join(REPO, 'bin', 'mydocker'));
export const isRoot = process.getuid?.() === 0;
/** pass as a test's `skip` option: false when root, else the reason */
export const needsRoot: string | false = isRoot ? false : 'needs root: run the tests with sudo';

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
}

/** run the CLI with its own --root; resolves with exit status and output */
export function mydocker(args: string[], o: RunOpts = {}): Promise<Result> {
  const argv = o.root ? ['--root', o.root, ...args] : args;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(MYDOCKER, argv, { env: o.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('spawn', () => o.onSpawn?.(child.pid!));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
    if (o.input !== undefined) child.stdin.end(o.input);
    else child.stdin.end();
  });
}

/** a fresh state root for one test file, removed at the end */
export function tmpRoot(t: { teardown(fn: () => void | Promise<void>): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'mydocker-test-'));
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
    .map((l) => l.split(' ')[4].replace(/\\040/g, ' '));
}

/** pid namespaces of every process: a container that outlives its test shows up here */
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
        for (const c of readdirSync(p, { withFileTypes: true })) if (c.isDirectory()) found.push(join(p, c.name));
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

/**
 * The leak check of a test file: take `snapshot()` before its tests, call this after
 * them. It adds a last test that fails when anything outlived the file: a mount, a
 * process in a new PID namespace, a container cgroup. Test files run one at a time.
 */
export function noLeaks(t: Tap, before: Snapshot): void {
  t.test('nothing leaked: mounts, processes, cgroups', { skip: needsRoot }, async (t) => {
    // a container's processes die with its PID 1, but reaping takes a moment
    let after = snapshot();
    for (let i = 0; i < 50 && !same(before, after); i++) {
      await sleep(100);
      after = snapshot();
    }
    t.equal(after.mounts, before.mounts, `host mounts unchanged${after.mounts === before.mounts ? '' : ':\n' + diffLines(before.mounts, after.mounts)}`);
    const newNs = [...after.pidns].filter((ns) => !before.pidns.has(ns));
    t.same(newNs.map((ns) => pidNamespaces().get(ns)), [], 'no process left in a new PID namespace');
    t.same(after.cgroups.filter((c) => !before.cgroups.includes(c)), [], 'no container cgroup left');
  });
}

interface Tap {
  test(name: string, opts: { skip: string | false }, fn: (t: Tap & Asserts) => Promise<void>): unknown;
}
interface Asserts {
  equal(a: unknown, b: unknown, msg?: string): void;
  same(a: unknown, b: unknown, msg?: string): void;
}

function same(a: Snapshot, b: Snapshot): boolean {
  return (
    a.mounts === b.mounts &&
    [...b.pidns].every((ns) => a.pidns.has(ns)) &&
    b.cgroups.every((c) => a.cgroups.includes(c))
  );
}

function diffLines(a: string, b: string): string {
  const as = new Set(a.split('\n'));
  const bs = new Set(b.split('\n'));
  return [...[...as].filter((l) => !bs.has(l)).map((l) => `- ${l}`), ...[...bs].filter((l) => !as.has(l)).map((l) => `+ ${l}`)].join('\n');
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
