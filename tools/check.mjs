// Check an implementation step by step or chapter by chapter: runs the black-box tests
// of chapters/index.json against a mydocker binary, ours or anyone's.
//   sudo npm run check -- --step 1.3                  the tests of every step up to 1.3
//   sudo npm run check -- --step 1.3 --only           step 1.3's tests alone
//   sudo npm run check -- --chapter N                 tests of chapters 1..N against bin/mydocker
//   sudo npm run check -- --chapter N --latest-only   only chapter N's tests
//   --impl PATH                                       against any executable (any language)
//   --impl chapter                                    against the generated code of the chapter
//                                                     (npm run chapter -- N, built first)
//   --tap                                             the raw TAP of the tests, as it comes
//   sudo npm run check -- --doctor [--chapter N]      only check the host: is it ready for chapters
//                                                     1..N? (what is missing, how to install it)
//   --lock FILE                                       run the tests under flock FILE
// N is 1, 01 or 01-namespaces; without --chapter or --step, the last chapter. Prints a line
// per step (or test file), the first failure in full (the command, expected against got,
// the book section, a hint), the first failing step, and ends with the line
// `N passed, N failed` (tests; with --tap: assertions). Exits non-zero when a test fails
// or a listed test file is missing.
import { availableParallelism } from 'node:os';
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, openSync, readSync, closeSync, readFileSync, statfsSync, statSync } from 'node:fs';
import { delimiter, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chapterNumber, chaptersUpTo, findChapter, generate, loadIndex, REPO } from './chapter.mjs';
import { LEAK_TEST, selection, stepsUpTo } from './steps.mjs';

/** the test files of chapters 1..N (or N only): { files, missing: [{ chapter, file }] } */
export function testFiles(index, chapter, { latestOnly = false, repo = REPO } = {}) {
  const chapters = latestOnly ? [chapter] : chaptersUpTo(index, chapter);
  const files = [];
  const missing = [];
  for (const c of chapters) {
    if (!c.tests.length) missing.push({ chapter: c.id, file: '(no test files listed in chapters/index.json)' });
    for (const f of c.tests) {
      if (existsSync(join(repo, f))) files.push(f);
      else missing.push({ chapter: c.id, file: f });
    }
  }
  return { files, missing };
}

/** the executable behind --impl: "ours" (bin/mydocker), "chapter" (generated and built), or a path */
export function resolveImpl(impl, chapter, { index, repo = REPO, log = console.log } = {}) {
  if (!impl || impl === 'ours') {
    if (!existsSync(join(repo, 'dist', 'cli.js'))) throw new Error('bin/mydocker needs dist/: run `npm run build` first');
    return join(repo, 'bin', 'mydocker');
  }
  if (impl === 'chapter') {
    const g = generate(chapter, { repo, index });
    if (!g.build.ok) throw new Error(`the code of chapter ${chapter.id} does not build:\n${g.build.output}`);
    log(`chapter ${chapter.id}: generated and built in ${relative(process.cwd(), g.dir)} (${g.build.ms} ms)`);
    return join(g.dir, 'bin', 'mydocker');
  }
  const path = resolve(impl);
  try {
    accessSync(path, constants.X_OK);
    if (!statSync(path).isFile()) throw new Error('not a file');
  } catch {
    throw new Error(`--impl ${impl}: not an executable file (${path})`);
  }
  return path;
}

/**
 * tools/test.mjs over `files` with MYDOCKER=impl, from the repo. quiet: only capture the
 * output (else also print it). Returns { code, pass, fail, skip, files: Map<file, boolean>, output }.
 */
export function runTests(files, impl, { lock, quiet = false, repo = REPO, args = [], env = {} } = {}) {
  const cmd = [process.execPath, join(repo, 'tools', 'test.mjs'), ...args, ...files];
  if (lock) cmd.unshift('flock', lock);
  return new Promise((done, fail) => {
    const child = spawn(cmd[0], cmd.slice(1), {
      cwd: repo,
      env: { ...process.env, ...env, MYDOCKER: impl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
      if (!quiet) process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      output += d;
      if (!quiet) process.stderr.write(d);
    });
    child.on('error', fail);
    child.on('close', (code) => {
      const n = (re) => Number(re.exec(output)?.[1] ?? 0);
      const perFile = new Map();
      for (const m of output.matchAll(/^(not )?ok \d+ - (\S+\.test\.ts)\b/gm)) perFile.set(m[2], !m[1]);
      done({
        code: code ?? 1,
        pass: n(/^(\d+) passed, \d+ failed$/m),
        fail: n(/^\d+ passed, (\d+) failed$/m),
        skip: n(/^(\d+) skipped$/m),
        files: perFile,
        output,
      });
    });
  });
}

/**
 * Does impl start at all? Runs `impl --help` (10 s at most) before any test does, so that a
 * missing file, a bad #! line or a hanging binary is one clear message instead of every
 * test failing its own way. Returns null when it answered, else what is wrong.
 */
export function smokeCheck(impl, { timeoutMs = 10_000 } = {}) {
  if (!existsSync(impl)) return `${impl}: no such file`;
  try {
    accessSync(impl, constants.X_OK);
  } catch {
    return `${impl}: not executable (chmod +x ${impl})`;
  }
  const r = spawnSync(impl, ['--help'], { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error?.code === 'ETIMEDOUT') return `${impl} --help did not answer within ${timeoutMs / 1000} s (it hangs: every test would wait for it)`;
  if (r.error?.code === 'ENOENT' || r.error?.code === 'EACCES' || r.error?.code === 'ENOEXEC') {
    let first = '';
    try {
      first = readFileSync(impl, 'utf8').split('\n')[0];
    } catch {
      // unreadable
    }
    return first.startsWith('#!')
      ? `${impl} cannot be started: its interpreter (${first.slice(2).trim()}) is missing or not executable`
      : `${impl} cannot be started (${r.error.code}): not a program this machine can run`;
  }
  if (r.error) return `${impl} --help: ${r.error.message}`;
  if (r.signal) return `${impl} --help was killed by ${r.signal}`;
  if (!`${r.stdout}${r.stderr}`.trim()) return `${impl} --help printed nothing (exit status ${r.status})`;
  return null;
}

// ---- the doctor ----------------------------------------------------------------------------

const CGROUP2_SUPER_MAGIC = 0x63677270;

function which(name) {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return null;
}

/** a 64-bit little-endian ELF without a PT_INTERP program header is statically linked */
export function isStaticElf(path) {
  const fd = openSync(path, 'r');
  try {
    const h = Buffer.alloc(64);
    readSync(fd, h, 0, 64, 0);
    if (h.readUInt32BE(0) !== 0x7f454c46 || h[4] !== 2 || h[5] !== 1) return false;
    const phoff = Number(h.readBigUInt64LE(0x20));
    const phentsize = h.readUInt16LE(0x36);
    const phnum = h.readUInt16LE(0x38);
    const ph = Buffer.alloc(phentsize * phnum);
    readSync(fd, ph, 0, ph.length, phoff);
    for (let i = 0; i < phnum; i++) if (ph.readUInt32LE(i * phentsize) === 3) return false; // PT_INTERP
    return true;
  } finally {
    closeSync(fd);
  }
}

/** unified (cgroup v2 only), hybrid (v1 controllers + cgroup2 at /sys/fs/cgroup/unified), legacy, or none */
export function cgroupMode() {
  const magic = (p) => {
    try {
      return statfsSync(p).type;
    } catch {
      return null;
    }
  };
  if (magic('/sys/fs/cgroup') === CGROUP2_SUPER_MAGIC) return 'unified';
  if (magic('/sys/fs/cgroup/unified') === CGROUP2_SUPER_MAGIC) return 'hybrid';
  if (existsSync('/sys/fs/cgroup/memory')) return 'legacy';
  return 'none';
}

function cgroupControllers(mode) {
  const want = ['memory', 'cpu', 'pids', 'cpuset'];
  if (mode === 'unified') {
    const have = readFileSync('/sys/fs/cgroup/cgroup.controllers', 'utf8').trim().split(/\s+/);
    return want.filter((c) => !have.includes(c));
  }
  return want.filter((c) => !existsSync(join('/sys/fs/cgroup', c)));
}

const tool = (name, pkg, chapter, why) => ({
  name,
  chapter,
  check() {
    const p = which(name);
    return p ? { ok: true, detail: p } : { ok: false, detail: `${why}; install: apt-get install ${pkg}` };
  },
});

/**
 * What the host needs. chapter: the first chapter that needs it (a number), or a word
 * ("bench", "vm") for what no chapter's tests need.
 */
export const HOST_CHECKS = [
  {
    name: 'root',
    chapter: 1,
    check: () => (process.getuid?.() === 0 ? { ok: true, detail: 'uid 0' } : { ok: false, detail: 'namespaces, mounts and cgroups need root: run with sudo' }),
  },
  {
    name: 'node',
    chapter: 1,
    check: () => {
      // node-gyp 13 (the addon's build) needs 24.15
      const [major, minor] = process.versions.node.split('.').map(Number);
      return major > 24 || (major === 24 && minor >= 15)
        ? { ok: true, detail: `v${process.versions.node}` }
        : { ok: false, detail: `v${process.versions.node}, need ≥ 24.15 (scripts/setup-host.sh installs it)` };
    },
  },
  {
    name: 'kernel',
    chapter: 1,
    check: () => {
      const release = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
      const [maj, min] = release.split(/[.-]/).map(Number);
      const ok = maj > 5 || (maj === 5 && min >= 11);
      return { ok, detail: ok ? release : `${release}, need ≥ 5.11 (pidfd_getfd, close_range with CLOSE_RANGE_CLOEXEC)` };
    },
  },
  {
    name: 'namespaces',
    chapter: 1,
    check: () => {
      const missing = ['pid', 'mnt', 'uts', 'ipc', 'net'].filter((n) => !existsSync(`/proc/self/ns/${n}`));
      return missing.length ? { ok: false, detail: `the kernel lacks ${missing.join(', ')} namespaces` } : { ok: true, detail: 'pid mnt uts ipc net' };
    },
  },
  {
    name: 'npm packages',
    chapter: 1,
    check: () =>
      existsSync(join(REPO, 'node_modules', 'tap')) ? { ok: true, detail: 'node_modules' } : { ok: false, detail: 'no node_modules/tap: run `npm ci`' },
  },
  {
    name: 'our build',
    chapter: 1,
    ours: true, // not needed to test another implementation (--impl PATH)
    check: () => {
      const missing = [];
      if (!existsSync(join(REPO, 'native', 'build', 'Release', 'mydocker.node'))) missing.push('the native addon');
      if (!existsSync(join(REPO, 'dist', 'cli.js'))) missing.push('dist/');
      return missing.length ? { ok: false, detail: `missing ${missing.join(' and ')}: run \`npm run build\`` } : { ok: true, detail: 'native addon, dist/' };
    },
  },
  tool('script', 'bsdutils', 1, 'the -t (terminal) tests run the CLI under script(1)'),
  {
    name: 'cgroups',
    chapter: 2,
    check: () => {
      const mode = cgroupMode();
      if (mode === 'none') return { ok: false, detail: 'no cgroup filesystem at /sys/fs/cgroup' };
      const what = { unified: 'unified (cgroup v2 only)', hybrid: 'hybrid (v1 controllers; cgroup2 at /sys/fs/cgroup/unified)', legacy: 'legacy (cgroup v1)' }[mode];
      const missing = cgroupControllers(mode);
      return missing.length ? { ok: false, detail: `${what}, but controllers missing: ${missing.join(', ')}` } : { ok: true, detail: `${what}; memory cpu pids cpuset` };
    },
  },
  {
    name: 'overlay',
    chapter: 3,
    check: () => {
      const ok = /\toverlay$/m.test(readFileSync('/proc/filesystems', 'utf8'));
      return ok ? { ok: true, detail: 'overlay in /proc/filesystems' } : { ok: false, detail: 'overlay is not in /proc/filesystems: modprobe overlay (as root)' };
    },
  },
  {
    name: 'busybox-static',
    chapter: 3,
    check: () => {
      if (!existsSync('/bin/busybox')) return { ok: false, detail: 'no /bin/busybox (the tests’ rootfs); install: apt-get install busybox-static' };
      return isStaticElf('/bin/busybox')
        ? { ok: true, detail: '/bin/busybox, statically linked' }
        : { ok: false, detail: '/bin/busybox is dynamically linked (package busybox); install: apt-get install busybox-static' };
    },
  },
  tool('ip', 'iproute2', 6, 'networks: bridges, veths, addresses'),
  tool('iptables', 'iptables', 6, 'networks: NAT and port mapping'),
  tool('docker-registry', 'docker-registry', 7, 'the image tests pull from a local registry'),
  tool('skopeo', 'skopeo', 7, 'the image tests push fixtures to the registry'),
  tool('containerd', 'containerd', 8, 'chapter 08: a private containerd drives mydocker-runc'),
  tool('go', 'golang-go', 8, 'chapter 08: the OCI validation suite is built with Go'),
  {
    name: 'runtime-tools',
    chapter: 8,
    check: () => {
      const r = spawnSync(join(REPO, 'scripts', 'oci-validate.sh'), ['--where'], { encoding: 'utf8' });
      return r.status === 0
        ? { ok: true, detail: `the OCI validation suite's source: ${r.stdout.trim()}` }
        : { ok: false, detail: 'no source of the OCI validation suite (runtime-tools 260e151): scripts/oci-validate.sh --where says where to put it' };
    },
  },
  tool('runc', 'runc', 'bench', 'the benchmarks compare with runc'),
  tool('hyperfine', 'hyperfine', 'bench', 'the benchmarks time with hyperfine'),
  tool('qemu-system-x86_64', 'qemu-system-x86', 'vm', 'npm run test:vm boots a cgroup v2 kernel'),
];

/** run the host checks for chapters 1..n; prints a report, returns true when nothing required is missing */
export function doctor(n, { log = console.log, quiet = false, ours = true } = {}) {
  if (!quiet) log(`doctor: can this host run the tests of chapters 1..${String(n).padStart(2, '0')}?`);
  let ok = true;
  for (const c of HOST_CHECKS) {
    if (c.ours && !ours) continue;
    let r;
    try {
      r = c.check();
    } catch (e) {
      r = { ok: false, detail: `check failed: ${e.message}` };
    }
    const required = typeof c.chapter === 'number' && c.chapter <= n;
    const need = typeof c.chapter === 'number' ? `chapter ${String(c.chapter).padStart(2, '0')}` : c.chapter === 'bench' ? 'benchmarks only' : 'test:vm only';
    const mark = r.ok ? 'ok     ' : required ? 'MISSING' : 'absent ';
    if (!r.ok && required) ok = false;
    if (quiet && (r.ok || !required)) continue;
    log(`  ${mark} ${c.name.padEnd(22)} ${r.detail}${r.ok ? '' : ` (${need}${required ? '' : ', not needed now'})`}`);
  }
  if (!quiet) log(ok ? 'doctor: ready' : 'doctor: something required is missing (above); scripts/setup-host.sh installs all of it');
  return ok;
}

// ---- what the tests said, for people ----------------------------------------------------

/**
 * The top-level tests of a test.mjs run (one or more files), in order:
 * [{ file, name, ok, skip }], and the `# mydocker-failure {json}` reports the harness
 * wrote for failed tests: [{ file, test, step, anchor, hint, command, message, expected, got }].
 */
export function parseResults(output) {
  const tests = [];
  const failures = [];
  let file = null;
  for (const line of output.split('\n')) {
    const sub = /^# Subtest: (\S+\.test\.ts)$/.exec(line);
    if (sub) {
      file = sub[1];
      continue;
    }
    const r = /^ {4}(not )?ok \d+ - (.*?)(?: # (SKIP|TODO)\b.*| # time=[\d.]+m?s)?$/.exec(line);
    if (r && file) {
      tests.push({ file, name: r[2].replace(/\\#/g, '#'), ok: !r[1], skip: !!r[3] });
      continue;
    }
    const f = /^\s*# mydocker-failure (\{.*\})\s*$/.exec(line);
    if (f) {
      try {
        failures.push({ file, ...JSON.parse(f[1]) });
      } catch {
        // a line cut short: the TAP lines still say what failed
      }
    }
  }
  return { tests, failures };
}

const fmt = (v) => (typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v));
/** what a test wanted: a value, or (from the harness) { not }, { matching }, { notMatching } */
const fmtExpected = (v) =>
  v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && ['not', 'matching', 'notMatching'].includes(Object.keys(v)[0])
    ? `${{ not: 'anything but', matching: 'matching', notMatching: 'not matching' }[Object.keys(v)[0]]} ${Object.keys(v)[0] === 'not' ? fmt(v.not) : Object.values(v)[0]}`
    : fmt(v);

/**
 * The report of a check run: a line per group (a step, or a test file without steps),
 * then the first failure in full, the first failing step, and `N passed, N failed`
 * (tests). groups: [{ key, label, expect: [{ file, name }] }]; a test expected and never
 * reported (its file ended early) fails.
 */
export function report(groups, results, { log = console.log } = {}) {
  const seen = new Map(results.tests.map((t) => [`${t.file}\0${t.name}`, t]));
  let pass = 0;
  let fail = 0;
  let firstBad = null;
  const lines = [];
  const width = Math.min(72, Math.max(0, ...groups.map((g) => g.label.length)));
  for (const g of groups) {
    const bad = [];
    let ok = 0;
    let skip = 0;
    for (const e of g.expect) {
      const t = seen.get(`${e.file}\0${e.name}`);
      if (t?.skip) skip++;
      else if (t?.ok) ok++;
      else bad.push({ ...e, missing: !t, renamed: !t && results.tests.some((x) => x.file === e.file) });
    }
    pass += ok;
    fail += bad.length;
    const n = g.expect.length;
    const status = bad.length ? `FAILED: ${bad.length} of ${n} test${n === 1 ? '' : 's'}` : `ok (${n} test${n === 1 ? '' : 's'}${skip ? `, ${skip} skipped` : ''})`;
    lines.push(`${g.label.length > width ? `${g.label.slice(0, width - 1)}…` : g.label.padEnd(width)}  ${status}`);
    const why = (b) => (b.renamed ? ' (its file has no test of this name: renamed? chapters/index.json names it)' : b.missing ? ' (never reported: its file ended early, see --tap)' : '');
    for (const b of bad) lines.push(`    ✗ ${b.name}${why(b)}`);
    if (bad.length && !firstBad) firstBad = { group: g, test: bad[0] };
  }
  for (const l of lines) log(l);
  if (firstBad) {
    const { group, test } = firstBad;
    const f = results.failures.find((x) => x.file === test.file && x.test === test.name);
    log('');
    log(`first failure: ${group.step ? `step ${group.key}` : group.label}, "${test.name}"`);
    if (f?.command) log(`  ran:       ${f.command}`);
    if (f) log(`  checking:  ${f.message}`);
    if (f && 'expected' in f) log(`  expected:  ${fmtExpected(f.expected)}`);
    if (f && 'got' in f) log(`  got:       ${fmt(f.got)}`);
    if (!f) {
      log(
        test.renamed
          ? `  ${test.file} has no test of this name: chapters/index.json must name each test exactly as its t.test does`
          : test.missing
            ? '  the test never reported: its file crashed or timed out (run with --tap to see)'
            : '  (no details: run with --tap to see the TAP output)',
      );
    }
    if (group.anchor) log(`  read:      ${group.anchor}`);
    const hint = f?.hint ?? group.hint;
    if (hint) log(`  hint:      ${hint}`);
    log(`  test:      ${test.file} ("${test.name}")`);
    log('');
    log(`first failing ${group.step ? `step: ${group.key} — ${group.title}` : `part: ${group.label}`}`);
  }
  log(`${pass} passed, ${fail} failed`);
  return { pass, fail };
}

// ---- the command ----------------------------------------------------------------------------

function parseArgs(argv) {
  const o = { latestOnly: false, doctor: false, only: false, tap: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--chapter') o.chapter = value();
    else if (flag === '--step') o.step = value();
    else if (flag === '--only') o.only = true;
    else if (flag === '--tap') o.tap = true;
    else if (flag === '--impl') o.impl = value();
    else if (flag === '--lock') o.lock = value();
    else if (flag === '--latest-only') o.latestOnly = true;
    else if (flag === '--doctor') o.doctor = true;
    else if (flag === '--help' || flag === '-h') o.help = true;
    else throw new Error(`unknown argument "${argv[i]}" (see --help)`);
  }
  if (o.step !== undefined && o.chapter !== undefined) throw new Error('--step and --chapter: choose one');
  if (o.only && o.step === undefined) throw new Error('--only goes with --step X.Y');
  if (o.latestOnly && o.step !== undefined) throw new Error('--latest-only goes with --chapter (with --step: --only)');
  return o;
}

/**
 * What a run covers: the test files, the env for the harness, and the groups the report
 * counts. --step: the steps' tests (MYDOCKER_STEPS selects them in the harness); --chapter:
 * the chapters' files, grouped by step where a chapter has steps, else by file.
 */
export function plan(index, o, { repo = REPO } = {}) {
  const groups = [];
  const stepGroup = (s) => ({
    key: s.id,
    step: true,
    title: s.title,
    label: `step ${s.id.padEnd(4)} ${s.title}`,
    anchor: s.anchor,
    hint: s.hint,
    expect: Object.entries(s.tests).flatMap(([file, names]) => names.map((name) => ({ file, name }))),
  });
  if (o.step !== undefined) {
    const steps = stepsUpTo(index, o.step, { only: o.only });
    const files = [...selection(steps).keys()];
    groups.push(...steps.map(stepGroup));
    const missing = files.filter((f) => !existsSync(join(repo, f))).map((file) => ({ chapter: steps.find((s) => s.tests[file]).chapter.id, file }));
    return { chapter: steps[steps.length - 1].chapter, files: files.filter((f) => existsSync(join(repo, f))), missing, groups, env: { MYDOCKER_STEPS: steps.map((s) => s.id).join(',') }, scope: o.only ? `step ${o.step}` : `steps ${steps[0].id} … ${steps[steps.length - 1].id}` };
  }
  const chapter = o.chapter === undefined ? index[index.length - 1] : findChapter(index, o.chapter);
  const { files, missing } = testFiles(index, chapter, { latestOnly: o.latestOnly, repo });
  for (const c of o.latestOnly ? [chapter] : chaptersUpTo(index, chapter)) {
    if (c.steps) groups.push(...c.steps.map(stepGroup));
    else for (const file of c.tests) groups.push({ key: file, step: false, label: `${c.id}: ${file.replace(/^test\/chapters\//, '')}`, expect: null });
  }
  const scope = o.latestOnly ? `chapter ${chapter.id}` : `chapters ${chaptersUpTo(index, chapter).map((c) => c.id).join(', ')}`;
  return { chapter, files, missing, groups, env: {}, scope };
}

async function main(argv) {
  const o = parseArgs(argv);
  if (o.help) {
    const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
    console.log(lines.slice(0, lines.findIndex((l) => !l.startsWith('//'))).map((l) => l.slice(3)).join('\n'));
    return 0;
  }
  const index = loadIndex();
  if (o.doctor) {
    const chapter = o.step !== undefined ? stepsUpTo(index, o.step).at(-1).chapter : o.chapter === undefined ? index[index.length - 1] : findChapter(index, o.chapter);
    return doctor(chapterNumber(chapter.id)) ? 0 : 1;
  }
  if (process.getuid?.() !== 0) {
    console.error('check: the chapter tests need root (they would all be skipped): sudo npm run check -- …');
    return 2;
  }
  const p = plan(index, o);
  // the host first: say what is missing (the tests that need it will fail), then go on
  const ours = !o.impl || o.impl === 'ours' || o.impl === 'chapter';
  if (!doctor(chapterNumber(p.chapter.id), { quiet: true, ours, log: (l) => console.error(`check: host: ${l.trim()}`) })) {
    console.error('check: host: see `npm run check -- --doctor` (scripts/setup-host.sh installs everything)');
  }
  const impl = resolveImpl(o.impl, p.chapter, { index });
  const broken = smokeCheck(impl);
  if (broken) {
    console.error(`check: the implementation does not start, so no test was run: ${broken}`);
    console.log('0 passed, 1 failed');
    return 1;
  }
  console.log(`check: the tests of ${p.scope} against ${relative(process.cwd(), impl) || impl}`);
  let code = 0;
  if (o.tap) {
    if (p.files.length) {
      const r = await runTests(p.files, impl, { lock: o.lock, env: p.env });
      code = r.code;
      if (r.code === 0 && r.pass === 0) console.log('check: no test passed: were they all skipped?');
    }
  } else {
    // the files two at a time (each in a sandbox of its own; most of a test's time is
    // waiting on containers), quietly: a line as each ends, the report at the end
    const results = { tests: [], failures: [] };
    const runs = new Array(p.files.length);
    let next = 0;
    const worker = async () => {
      while (next < p.files.length) {
        const i = next++;
        const t0 = Date.now();
        runs[i] = await runTests([p.files[i]], impl, { lock: o.lock, env: p.env, quiet: true });
        console.log(`  ${p.files[i]} … ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(2, availableParallelism()) }, worker));
    for (const [i, file] of p.files.entries()) {
      const r = runs[i];
      const got = parseResults(r.output);
      results.tests.push(...got.tests);
      results.failures.push(...got.failures);
      if (r.code !== 0) code = 1;
      // a file's own tests, when the report groups by file
      for (const g of p.groups) if (g.key === file && g.expect === null) g.expect = got.tests.filter((x) => x.name !== LEAK_TEST).map(({ file: f, name }) => ({ file: f, name }));
      // a failure outside the selected names (a test in no step) still counts
      for (const t of got.tests) {
        if (t.ok || t.skip || t.name === LEAK_TEST) continue;
        if (!p.groups.some((g) => g.expect?.some((e) => e.file === t.file && e.name === t.name))) {
          p.groups.push({ key: t.file, step: false, label: `${t.file}: not in a step`, expect: [{ file: t.file, name: t.name }] });
        }
      }
    }
    // each file's leak check (the harness's noLeaks, in every file that calls it): its own line, after the steps
    const leaks = results.tests.filter((x) => x.name === LEAK_TEST).map(({ file, name }) => ({ file, name }));
    const groups = [...p.groups.map((g) => ({ ...g, expect: g.expect ?? [] })), { key: 'leaks', step: false, label: 'nothing leaked (checked after each file)', expect: leaks, hint: 'a mount, a process or a cgroup outlived the run: see the TAP output (--tap) for what' }];
    console.log('');
    const { fail } = report(groups, results);
    if (fail) code = 1;
    if (results.tests.length === 0 && p.files.length) console.log('check: no test reported: see --tap');
  }
  if (p.missing.length) {
    for (const m of p.missing) console.error(`check: chapter ${m.chapter}: test file ${m.file} does not exist (yet)`);
    console.log(`0 passed, ${p.missing.length} failed`); // one failure per missing file, for CI's sum
    code = 1;
  }
  return code;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e) => {
      console.error(`check: ${e.message}`);
      process.exitCode = 2;
    },
  );
}
