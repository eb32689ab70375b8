// Steps (chapters/index.json, see chapters/README.md): every top-level test of a chapter
// belongs to one step, named there by its file and exact name. This module wraps the
// root `t.test` of every black-box test file (harness/index.ts imports it first), so that
//   - MYDOCKER_STEPS=1.1,1.2 (set by `npm run check -- --step 1.2`) registers only the
//     tests of those steps: the others are not run, not skipped, not counted;
//   - a test in no step of a chapter that has steps fails, naming itself (a renamed or
//     new test cannot slip out of the steps);
//   - a failed test writes one TAP comment, `# mydocker-failure {json}`, for people: its
//     step and book section, the hint, the last `mydocker …` command it ran, and its
//     first failed assertion's message, expected and got (tools/check.mjs prints it).
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Step {
  id: string;
  title: string;
  anchor: string;
  hint?: string;
  hints?: Record<string, string>;
  tests: Record<string, string[]>;
}
interface Chapter {
  id: string;
  tests: string[];
  steps?: Step[];
}

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** the leak check noLeaks adds at the end of every file: in no step, it runs with any */
const LEAK_TEST = 'nothing leaked: mounts, processes, cgroups';

function load(): Chapter[] {
  try {
    return JSON.parse(readFileSync(join(REPO, 'chapters', 'index.json'), 'utf8')) as Chapter[];
  } catch {
    return []; // a generated chapter's package has no index: every test runs, as before
  }
}

const file = process.argv[1] && existsSync(process.argv[1]) ? relative(REPO, resolve(process.argv[1])) : '';
const chapter = load().find((c) => c.tests.includes(file));
const wanted = process.env.MYDOCKER_STEPS ? new Set(process.env.MYDOCKER_STEPS.split(',').map((s) => s.trim())) : null;

// ---- the command a test ran last ------------------------------------------------------

let lastCommand: string | null = null;
/** single-quote a word for sh when it needs it */
const shellWord = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
/** the harness's mydocker() (and a file that spawns the binary itself) says what it ran */
export function noteCommand(args: readonly string[]): void {
  lastCommand = ['mydocker', ...args].map(shellWord).join(' ');
}

// ---- the first failed assertion of a test -----------------------------------------------

interface Failure {
  message: string;
  expected?: unknown;
  got?: unknown;
}
/** assertion → [index of "got", index of "expected" or -1, index of the message] */
const ASSERTS: Record<string, [number, number, number]> = {
  equal: [0, 1, 2],
  not: [0, 1, 2],
  same: [0, 1, 2],
  notSame: [0, 1, 2],
  strictSame: [0, 1, 2],
  strictNotSame: [0, 1, 2],
  match: [0, 1, 2],
  notMatch: [0, 1, 2],
  has: [0, 1, 2],
  type: [0, 1, 2],
  ok: [0, -1, 1],
  notOk: [0, -1, 1],
  fail: [-1, -1, 0],
};
const expectedOf = (name: string, v: unknown) =>
  name === 'not' || name === 'notSame' || name === 'strictNotSame' ? { not: v } : name === 'notMatch' ? { notMatching: String(v) } : v instanceof RegExp ? { matching: String(v) } : v;

/** a value as one short line of JSON (regular expressions as /…/) */
function show(v: unknown): unknown {
  if (v === undefined) return undefined;
  const text = JSON.stringify(v, (_, x) => (x instanceof RegExp ? String(x) : typeof x === 'bigint' ? String(x) : x));
  if (text === undefined) return String(v);
  return text.length > 600 ? `${text.slice(0, 600)}…` : JSON.parse(text);
}

type Fn = (t: Record<string, unknown>) => unknown;

function wrap(name: string, step: Step | undefined, fn: Fn): Fn {
  return async (tt) => {
    let first = null as Failure | null;
    let depth = 0; // an assertion that fails calls t.fail itself: only the outer call counts
    lastCommand = null;
    for (const [a, [got, exp, msg]] of Object.entries(ASSERTS)) {
      const orig = tt[a];
      if (typeof orig !== 'function') continue;
      tt[a] = (...args: unknown[]) => {
        depth++;
        let ok: unknown;
        try {
          ok = (orig as (...x: unknown[]) => unknown).apply(tt, args);
        } finally {
          depth--;
        }
        if (ok === false && !first && depth === 0) {
          first = {
            message: String(args[msg] ?? a),
            ...(got >= 0 ? { got: args[got] } : {}),
            ...(exp >= 0 ? { expected: expectedOf(a, args[exp]) } : a === 'ok' ? { expected: 'truthy' } : a === 'notOk' ? { expected: 'falsy' } : {}),
          };
        }
        return ok;
      };
    }
    const report = (f: Failure) =>
      (tt.comment as (s: string) => void)(
        `mydocker-failure ${JSON.stringify({
          file,
          test: name,
          step: step?.id ?? null,
          title: step?.title ?? null,
          anchor: step?.anchor ?? null,
          hint: step?.hints?.[name] ?? step?.hint ?? null,
          command: lastCommand,
          message: f.message,
          expected: show(f.expected),
          got: show(f.got),
        })}`,
      );
    try {
      await fn(tt);
    } catch (e) {
      report(first ?? { message: `the test threw: ${(e as Error)?.message ?? String(e)}`.split('\n')[0] });
      throw e;
    }
    if (first) report(first);
  };
}

const origTest = t.test.bind(t) as unknown as (...args: unknown[]) => Promise<unknown>;
(t as unknown as { test: (...args: unknown[]) => Promise<unknown> }).test = (...args: unknown[]) => {
  const name = typeof args[0] === 'string' ? args[0] : '';
  const fnAt = args.findIndex((a) => typeof a === 'function');
  if (!name || fnAt < 0) return origTest(...args);
  const steps = chapter?.steps;
  const step = steps?.find((s) => s.tests[file]?.includes(name));
  if (steps && !step && name !== LEAK_TEST) {
    return origTest(name, async (tt: { fail(m: string): void }) => {
      tt.fail(`'${name}' (${file}) is in no step of chapter ${chapter!.id}: add it to one step's "tests" in chapters/index.json`);
    });
  }
  if (wanted && step && !wanted.has(step.id)) return Promise.resolve();
  const wrapped = [...args];
  wrapped[fnAt] = wrap(name, step, args[fnAt] as Fn);
  return origTest(...wrapped);
};
