// The test command (`npm test`): runs tap over the chosen test files, one file at a
// time (each black-box file checks that nothing leaked, which needs the machine to
// itself), prints tests passed/failed per chapter and ends with the line CI reads:
// `N passed, N failed` (assertions).
//   npm test                    every test: unit, chapters, internal (our runtime only), cgroup v2 VM
//   npm test -- --unit          unit tests only (no root needed)
//   npm test -- --vm            the cgroup v2 tests in a VM
//   npm test -- --no-vm         every test but those (CI runs the VM's alone, once the
//                               machine is quiet: see .ci/run)
//   npm test -- FILE...         just these files
//   --bail                      stop a file at its first failed test (tap --bail)
//   --file-timeout SEC          kill a test file (and all it started) after SEC s (default 1800)
//   --no-sandbox                run the tests in the host's namespaces (see below)
//
// The sandbox: as root, each test file runs as
//   unshare --mount --uts --ipc --pid --net --fork --mount-proc --propagation private --kill-child
//     bash -c 'ip link set lo up; timeout -k 2 SEC tap … & wait $!'
// so a wrong implementation's damage stays inside: a mount it leaks lands in the sandbox's
// mount table (gone with it), a hostname it sets renames the sandbox, not the machine; the
// PID namespace (bash is its PID 1 and reaps orphans) takes every process the file left
// behind with it when the file ends or times out. Its own /proc shows only the sandbox's
// processes, so the tests' leak checks see exactly what the file started (MYDOCKER_TEST_SANDBOX=1
// tells the harness). The network namespace is the sandbox's own too (only its loopback,
// brought up): a bridge, a veth, an iptables rule or a sysctl of net.* a runtime makes,
// wrongly or not, never reaches the host's network, and nothing can be sent beyond the
// sandbox. Cgroups and the files under / are still the host's: tests that touch those use
// test-owned names and paths only.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO_DIR = resolve(HERE, '..');

/** can this process make the sandbox (root, util-linux unshare, bash, timeout)? */
export function sandboxAvailable() {
  if (process.getuid?.() !== 0) return false;
  const r = spawnSync('unshare', ['--mount', '--uts', '--ipc', '--pid', '--net', '--fork', '--mount-proc', '--propagation', 'private', 'bash', '-c', 'timeout 5 true'], { stdio: 'ignore' });
  return r.status === 0;
}

/** the group a test file reports under: its chapter's id (chapters/index.json), unit, vm, or the file */
export function groupOf(file, index) {
  const rel = relative(REPO_DIR, resolve(file));
  const c = index.find((ch) => ch.tests.includes(rel));
  if (c) return c.id;
  if (rel.startsWith('test/unit/')) return 'unit';
  if (rel.startsWith('test/vm/')) return 'vm (cgroup v2)';
  return rel;
}

function loadIndexQuiet() {
  try {
    return JSON.parse(readFileSync(join(REPO_DIR, 'chapters', 'index.json'), 'utf8'));
  } catch {
    return [];
  }
}

/**
 * run tap over files in batches (unit files together; every other file alone, in its own
 * sandbox when root). Prints the output as it comes, then the per-group table and the
 * closing lines. Returns 0 when everything passed.
 */
export async function runTap(files, { env = process.env, bail = false, fileTimeout = 1800, sandbox = sandboxAvailable(), log = console.log } = {}) {
  const index = loadIndexQuiet();
  const batches = [];
  const unit = files.filter((f) => groupOf(f, index) === 'unit');
  if (unit.length) batches.push(unit);
  for (const f of files) if (!unit.includes(f)) batches.push([f]);
  const total = { pass: 0, fail: 0, skip: 0, todo: 0 };
  const groups = new Map();
  let code = 0;
  if (!sandbox && process.getuid?.() === 0) log('# test: running WITHOUT the sandbox (--no-sandbox, or unshare failed): a wrong implementation can change this host');
  for (const batch of batches) {
    let r = await runBatch(batch, { env, bail, fileTimeout, sandbox });
    if (r.tapStartCrash) {
      // tap removes .tap/processinfo as it starts, and fails (ENOTEMPTY) when another tap
      // run of this repo (CI runs several at once) writes there meanwhile. No test ran:
      // the batch runs again, once
      log(`# test: tap failed to start (a concurrent tap run's .tap/processinfo): running ${batch.join(' ')} again`);
      r = await runBatch(batch, { env, bail, fileTimeout, sandbox });
    }
    for (const k of Object.keys(total)) total[k] += r.asserts[k];
    if (r.code !== 0 || r.asserts.fail > 0) code = 1;
    for (const [file, t] of r.tests) {
      const g = groupOf(file, index);
      const acc = groups.get(g) ?? { pass: 0, fail: 0, skip: 0, asserts: 0, files: 0, crashed: 0 };
      acc.pass += t.pass;
      acc.fail += t.fail;
      acc.skip += t.skip;
      acc.files += 1;
      if (t.crashed) acc.crashed += 1;
      groups.set(g, acc);
    }
    const g = groupOf(batch[0], index);
    if (groups.has(g)) groups.get(g).asserts += r.asserts.pass + r.asserts.fail;
  }
  log('');
  log('# tests per chapter (a test is one t.test; assertions are the checks inside it):');
  for (const [g, a] of groups) {
    const crashed = a.crashed ? `, ${a.crashed} file(s) ended without finishing` : '';
    log(`#   ${g.padEnd(16)} tests: ${a.pass} passed, ${a.fail} failed${a.skip ? `, ${a.skip} skipped` : ''}${crashed}  (${a.asserts} assertions)`);
  }
  log(`${total.skip} skipped${total.todo ? `, ${total.todo} todo (known bugs, not counted as passed)` : ''}`);
  log('# the line below counts assertions:');
  log(`${total.pass} passed, ${total.fail} failed`);
  return code;
}

/** one tap process over files (in a sandbox when asked); { code, asserts, tests: Map<file, counts> } */
function runBatch(files, { env, bail, fileTimeout, sandbox }) {
  const tap = join(REPO_DIR, 'node_modules', 'tap', 'dist', 'esm', 'run.mjs');
  const tapArgs = [tap, '--disable-coverage', '-R', 'tap', '--jobs=1', `--timeout=${fileTimeout}`, ...(bail ? ['--bail'] : []), ...files];
  let cmd = [process.execPath, ...tapArgs];
  if (sandbox) {
    // bash is PID 1 of the new PID namespace: it reaps orphans, and when it exits the
    // kernel kills whatever is left in the namespace
    const inner = `ip link set lo up; timeout -k 2 ${fileTimeout + 30} "$@" & wait $!`;
    cmd = ['unshare', '--mount', '--uts', '--ipc', '--pid', '--net', '--fork', '--mount-proc', '--propagation', 'private', '--kill-child', 'bash', '-c', inner, 'sandbox', ...cmd];
  }
  return new Promise((done) => {
    const child = spawn(cmd[0], cmd.slice(1), {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...env, TAP_COLORS: '0', ...(sandbox ? { MYDOCKER_TEST_SANDBOX: '1' } : {}) },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      if (err.length < 65536) err += d;
      process.stderr.write(d);
    });
    child.on('close', (c) => {
      let code = c ?? 1;
      if (code === 124 || code === 137) {
        const msg = `not ok - ${files.join(' ')}: timed out after ${fileTimeout} s (the file and everything it started were killed)`;
        console.log(msg);
        out += `\n${msg}\n`;
        code = 1;
      }
      // tap died in its own start-up, before any test: nothing of ours ran or failed
      const tapStartCrash = code !== 0 && !/^\s*(not )?ok /m.test(out) && /ENOTEMPTY[\s\S]*\.tap\/processinfo/.test(err);
      done({ code, asserts: count(out), tests: countTests(out, files), tapStartCrash });
    });
  });
}

/**
 * tap's summary counts assertions; a file that failed without a failed assertion
 * (a crash, a timeout, a throw in teardown) counts as one more failure
 */
export function count(out) {
  // tap's closing summary, e.g. `# { total: 839, pass: 823, todo: 15, skip: 1 }` (keys in any order)
  const m = out.match(/^# \{ total: \d+(?:, \w+: \d+)* \}$/m);
  const key = (k) => Number(m?.[0].match(new RegExp(`\\b${k}: (\\d+)`))?.[1] ?? 0);
  let pass = key('pass');
  let fail = key('fail');
  const skip = key('skip');
  const todo = key('todo');
  let block = [];
  for (const line of out.split('\n')) {
    if (/^not ok \d+ /.test(line)) {
      if (!block.some((l) => /^\s+not ok \d+/.test(l) && !/# (SKIP|TODO)/.test(l))) fail++;
      block = [];
    } else if (/^ok \d+ /.test(line)) {
      block = [];
    } else {
      block.push(line);
    }
  }
  if (!m && fail === 0) fail = 1; // no summary at all: tap itself failed
  return { pass, fail, skip, todo };
}

/**
 * the tests (a file's top-level t.test, indented 4 in tap's output) of each file:
 * Map<file, { pass, fail, skip, crashed }>. A file whose own line is "not ok" with no
 * failed test (a crash, a timeout) counts one failed test.
 */
export function countTests(out, files) {
  const res = new Map();
  let cur = { pass: 0, fail: 0, skip: 0, crashed: false };
  for (const line of out.split('\n')) {
    const sub = /^ {4}(not )?ok \d+ - .*?(?: # (SKIP|TODO)\b.*)?$/.exec(line);
    if (sub) {
      if (sub[2]) cur.skip++;
      else if (sub[1]) cur.fail++;
      else cur.pass++;
      continue;
    }
    const top = /^(not )?ok \d+ - (\S+)/.exec(line);
    if (top) {
      if (top[1] && cur.fail === 0) {
        cur.fail++;
        cur.crashed = true;
      }
      res.set(top[2], cur);
      cur = { pass: 0, fail: 0, skip: 0, crashed: false };
    }
  }
  // a file tap never reported (killed by the sandbox's timeout): one failed test
  for (const f of files) if (!res.has(f)) res.set(f, { pass: cur.pass, fail: cur.fail + 1, skip: cur.skip, crashed: true });
  return res;
}

function parseArgs(args) {
  const o = { files: [], bail: false, fileTimeout: 1800, sandbox: undefined, unit: false, vm: false, noVm: false };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    if (flag === '--unit') o.unit = true;
    else if (flag === '--vm') o.vm = true;
    else if (flag === '--no-vm') o.noVm = true;
    else if (flag === '--bail') o.bail = true;
    else if (flag === '--no-sandbox') o.sandbox = false;
    else if (flag === '--file-timeout') o.fileTimeout = Number(inline ?? args[++i]);
    else if (flag.startsWith('--')) throw new Error(`unknown option ${args[i]}`);
    else o.files.push(args[i]);
  }
  if (!(o.fileTimeout > 0)) throw new Error('--file-timeout needs a number of seconds');
  return o;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const o = parseArgs(process.argv.slice(2));
  const list = (dir) =>
    existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.test.ts')).sort().map((f) => join(dir, f)) : [];
  let files = o.files;
  if (!files.length) {
    if (o.unit) files = list('test/unit');
    else if (o.vm) files = list('test/vm');
    else files = [...list('test/unit'), ...list('test/chapters'), ...list('test/internal'), ...(o.noVm ? [] : list('test/vm'))];
  }
  process.exit(await runTap(files, { bail: o.bail, fileTimeout: o.fileTimeout, ...(o.sandbox === false ? { sandbox: false } : {}) }));
}
