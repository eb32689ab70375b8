// Chapter 04 — security: root in a container is docker's root, not the host's:
// docker's 14 capabilities, its seccomp profile, no_new_privs on request,
// --user/--group-add from the image's own files, --privileged to give it all back.
// The small exploit and probe programs are C, built here with gcc -static into a
// folder this test owns and bound into the container with -v.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mydocker, needsRoot, noLeaks, snapshot, tmpRoot } from '../harness/index.js';
import { importBusybox } from '../harness/fixtures.js';

const before = snapshot();
const root = tmpRoot(t);

// docker's default set: CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP
// NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP
const DOCKER_CAPS = 0xa80425fbn;
const bit = (n: number) => 1n << BigInt(n);
const CAP = { CHOWN: 0, DAC_READ_SEARCH: 2, KILL: 5, SETPCAP: 8, NET_ADMIN: 12, SYS_ADMIN: 21 };

/** the capabilities this test process holds: what "all" means on this machine */
function ownCaps(): bigint {
  return BigInt('0x' + /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
}

/** a folder for the compiled helpers, readable by any uid (the --user tests run them) */
const bin = mkdtempSync(join(tmpdir(), 'mydocker-04-bin-'));
chmodSync(bin, 0o755);
t.teardown(() => rmSync(bin, { recursive: true, force: true }));

function compile(name: string, source: string): string {
  writeFileSync(join(bin, `${name}.c`), source);
  execFileSync('gcc', ['-static', '-O1', '-o', join(bin, name), join(bin, `${name}.c`)], { stdio: ['ignore', 'ignore', 'inherit'] });
  return join(bin, name);
}

// each syscall with arguments that do no harm even when allowed: prints name=errno (0: it worked)
const SYSCALLS = `
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
static void show(const char *name, long r) { printf("%s=%d\\n", name, r < 0 ? errno : 0); }
int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *n = argv[i];
    if (!strcmp(n, "unshare")) show(n, syscall(SYS_unshare, 0));                      /* no flags: a no-op */
    else if (!strcmp(n, "keyctl")) show(n, syscall(SYS_keyctl, 0, -2, 0));          /* KEYCTL_GET_KEYRING_ID, process keyring, don't create */
    else if (!strcmp(n, "add_key")) show(n, syscall(SYS_add_key, "user", NULL, NULL, 0, -2)); /* no description: EINVAL/EFAULT when allowed */
    else if (!strcmp(n, "bpf")) show(n, syscall(SYS_bpf, 0x7fff, NULL, 0));           /* no such command */
    else if (!strcmp(n, "kexec_load")) show(n, syscall(SYS_kexec_load, 0, 1000, NULL, 0)); /* too many segments */
    else if (!strcmp(n, "open_by_handle_at")) show(n, syscall(SYS_open_by_handle_at, -1, NULL, 0)); /* bad fd */
    else if (!strcmp(n, "mkdirat")) show(n, syscall(SYS_mkdirat, AT_FDCWD, "/tmp/probe-dir", 0755));
  }
  return 0;
}
`;

// the "shocker" exploit, reduced: `get FILE` prints FILE's handle (on the host);
// `open DIR TYPE HEX` opens that handle through any directory of the same filesystem
const SHOCKER = `
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
  struct { struct file_handle h; unsigned char bytes[128]; } fh;
  if (argc == 3 && !strcmp(argv[1], "get")) {
    int mount_id;
    fh.h.handle_bytes = 128;
    if (name_to_handle_at(AT_FDCWD, argv[2], &fh.h, &mount_id, 0) < 0) { perror("name_to_handle_at"); return 1; }
    printf("%d ", fh.h.handle_type);
    for (unsigned i = 0; i < fh.h.handle_bytes; i++) printf("%02x", fh.h.f_handle[i]);
    printf("\\n");
    return 0;
  }
  if (argc == 5 && !strcmp(argv[1], "open")) {
    int dir = open(argv[2], O_RDONLY | O_DIRECTORY);
    if (dir < 0) { perror("open"); return 1; }
    fh.h.handle_type = atoi(argv[3]);
    fh.h.handle_bytes = strlen(argv[4]) / 2;
    for (unsigned i = 0; i < fh.h.handle_bytes; i++) sscanf(argv[4] + 2 * i, "%2hhx", &fh.h.f_handle[i]);
    int fd = open_by_handle_at(dir, &fh.h, O_RDONLY);
    if (fd < 0) { printf("errno=%d\\n", errno); return 0; }
    char buf[256];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    printf("read:%s", buf);
    return 0;
  }
  return 2;
}
`;

const EUID = `
#include <stdio.h>
#include <unistd.h>
int main(void) { printf("uid=%d euid=%d\\n", getuid(), geteuid()); return 0; }
`;

let syscalls = '';
let shocker = '';
let euid = '';

t.before(async () => {
  if (needsRoot) return;
  await importBusybox(root, 'busybox');
  syscalls = compile('syscalls', SYSCALLS);
  shocker = compile('shocker', SHOCKER);
  euid = compile('euid', EUID);
  chownSync(euid, 0, 0);
  chmodSync(euid, 0o4755); // setuid root
});

const run = (flags: string[], script: string) => mydocker(['run', '--rm', ...flags, '-v', `${bin}:/t:ro`, 'busybox', 'sh', '-c', script], { root });

/** the Cap* lines of the command's /proc/self/status */
async function caps(t: Tap.Test, flags: string[], script = 'grep -E "^(Cap[A-Za-z]+|NoNewPrivs|Seccomp):" /proc/self/status') {
  const r = await run(flags, script);
  t.equal(r.code, 0, r.stderr);
  const field = (name: string) => {
    const m = new RegExp(`^${name}:\\s*(\\S+)$`, 'm').exec(r.stdout);
    return m ? m[1] : undefined;
  };
  const hex = (name: string) => (field(name) === undefined ? undefined : BigInt('0x' + field(name)));
  return {
    inh: hex('CapInh'),
    prm: hex('CapPrm'),
    eff: hex('CapEff'),
    bnd: hex('CapBnd'),
    amb: hex('CapAmb'),
    nnp: field('NoNewPrivs'),
    seccomp: field('Seccomp'),
    stdout: r.stdout,
  };
}

/** "name=errno" lines → { name: errno } */
function errnos(stdout: string): Record<string, number> {
  return Object.fromEntries(stdout.trim().split('\n').filter((l) => l.includes('=')).map((l) => [l.split('=')[0], Number(l.split('=')[1])]));
}

const EPERM = 1;
const hexOf = (v: bigint | undefined) => (v === undefined ? 'missing' : v.toString(16).padStart(16, '0'));

t.test("the command gets docker's 14 capabilities, no more", { skip: needsRoot }, async (t) => {
  const c = await caps(t, []);
  t.equal(hexOf(c.eff), hexOf(DOCKER_CAPS), 'CapEff 00000000a80425fb');
  t.equal(hexOf(c.prm), hexOf(DOCKER_CAPS), 'CapPrm 00000000a80425fb');
  t.equal(hexOf(c.bnd), hexOf(DOCKER_CAPS), 'CapBnd 00000000a80425fb');
  t.equal(hexOf(c.inh), hexOf(0n), 'CapInh empty (docker since CVE-2022-24769)');
  t.equal(hexOf(c.amb), hexOf(0n), 'CapAmb empty');
});

t.test('--cap-add and --cap-drop change exactly what they name (any case, with or without CAP_, ALL)', { skip: needsRoot }, async (t) => {
  const all = ownCaps();
  const cases: [string[], bigint][] = [
    [['--cap-drop', 'chown', '--cap-add', 'CAP_NET_ADMIN'], (DOCKER_CAPS & ~bit(CAP.CHOWN)) | bit(CAP.NET_ADMIN)],
    [['--cap-drop', 'ALL', '--cap-add', 'kill'], bit(CAP.KILL)],
    [['--cap-drop', 'all'], 0n],
    [['--cap-add', 'ALL', '--cap-drop', 'Cap_SetPcap'], all & ~bit(CAP.SETPCAP)],
  ];
  for (const [flags, want] of cases) {
    const c = await caps(t, flags);
    for (const set of ['eff', 'prm', 'bnd'] as const) t.equal(hexOf(c[set]), hexOf(want), `${flags.join(' ')}: ${set}`);
    t.equal(hexOf(c.amb), hexOf(0n), `${flags.join(' ')}: no ambient capability`);
  }
});

t.test('a bad capability: 125 and one line naming it, nothing runs', { skip: needsRoot }, async (t) => {
  for (const flag of ['--cap-add', '--cap-drop']) {
    const r = await run([flag, 'NOT_A_CAP'], 'echo ran');
    t.equal(r.code, 125, flag);
    t.equal(r.stdout, '', 'the command did not run');
    t.match(r.stderr, /^mydocker: .*unknown capability: "CAP_NOT_A_CAP"\n$/, 'one line: the capability is unknown');
  }
});

t.test("--privileged: every capability this machine has, and no seccomp filter", { skip: needsRoot }, async (t) => {
  const c = await caps(t, ['--privileged']);
  const all = ownCaps();
  t.equal(hexOf(c.eff), hexOf(all), 'CapEff: all');
  t.equal(hexOf(c.bnd), hexOf(all), 'CapBnd: all');
  t.equal(c.seccomp, '0', 'Seccomp 0');
  const m = await run(['--privileged'], 'mkdir -p /m && mount -t tmpfs none /m && echo mounted');
  t.equal(m.stdout, 'mounted\n', 'mount works again');
});

t.test('seccomp filter mode 2 by default, no_new_privs only on request', { skip: needsRoot }, async (t) => {
  const d = await caps(t, []);
  t.equal(d.seccomp, '2', 'Seccomp 2: a filter is loaded');
  t.equal(d.nnp, '0', 'NoNewPrivs 0, as docker');
  const on = await caps(t, ['--security-opt', 'no-new-privileges']);
  t.equal(on.nnp, '1', 'no-new-privileges: NoNewPrivs 1');
  t.equal(on.seccomp, '2', 'and still filtered');
  t.equal(hexOf(on.eff), hexOf(DOCKER_CAPS), 'with the same capabilities');
  const off = await caps(t, ['--security-opt', 'no-new-privileges=false']);
  t.equal(off.nnp, '0', 'no-new-privileges=false: NoNewPrivs 0');
  const bad = await run(['--security-opt', 'no-new-privileges=maybe'], 'echo ran');
  t.equal(bad.code, 125, '--security-opt with a bad value: 125');
  t.match(bad.stderr, /^mydocker: .*no-new-privileges=maybe.*\n$/, 'a bad value: one line naming it');
});

// An exec that fails under the filter: the init (Node) ends there, and Node's own exit
// would tear down libuv, whose io_uring the filter refuses ("libuv: io_uring_enter(getevents):
// Operation not permitted" as a second line). The error stays the only line.
t.test('a failed exec under the seccomp filter: 127/126 and exactly one line on stderr', { skip: needsRoot }, async (t) => {
  for (const [cmd, code] of [['/nonexistent', 127], ['/etc/passwd', 126]] as const) {
    for (const flags of [[], ['--security-opt', 'no-new-privileges']]) {
      const line = `run --rm ${[...flags, 'busybox', cmd].join(' ')}`;
      const r = await mydocker(['run', '--rm', ...flags, 'busybox', cmd], { root });
      t.equal(r.code, code, `${line}: expected ${code}, got ${r.code}`);
      t.match(r.stderr, /^mydocker: exec: [^\n]*\n$/, `${line}: expected exactly one line on stderr, got ${JSON.stringify(r.stderr)}`);
    }
  }
});

t.test('no-new-privileges: a setuid-root binary no longer raises the euid', { skip: needsRoot }, async (t) => {
  const plain = await run(['--user', '1000:1000'], '/t/euid');
  t.equal(plain.code, 0, plain.stderr);
  t.equal(plain.stdout, 'uid=1000 euid=0\n', 'without it, setuid works (as in docker)');
  const nnp = await run(['--user', '1000:1000', '--security-opt', 'no-new-privileges'], '/t/euid');
  t.equal(nnp.code, 0, nnp.stderr);
  t.equal(nnp.stdout, 'uid=1000 euid=1000\n', 'with it, the setuid bit is ignored');
});

t.test('privileged operations fail: dmesg, mount, sethostname; mknod without CAP_MKNOD', { skip: needsRoot }, async (t) => {
  const r = await run([], 'dmesg >/dev/null 2>&1; echo dmesg=$?; mkdir -p /m; mount -t proc proc /m 2>/dev/null; echo mount=$?; hostname other 2>/dev/null; echo hostname=$?');
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'dmesg=1\nmount=1\nhostname=1\n', 'dmesg, mount and sethostname all fail (status 1)');
  const mknod = await run(['--cap-drop', 'MKNOD'], 'mknod /tmp/null c 1 3 2>&1; echo mknod=$?');
  t.match(mknod.stdout, /Operation not permitted\nmknod=1\n$/, 'mknod: EPERM');
  const add = await run(['--cap-add', 'SYS_ADMIN'], 'mkdir -p /m && mount -t tmpfs none /m && echo mounted');
  t.equal(add.stdout, 'mounted\n', "--cap-add SYS_ADMIN gives back mount, capability and the profile's rule");
});

t.test("a node the container makes for a host device cannot be opened; its own devices can", { skip: needsRoot }, async (t) => {
  // CAP_MKNOD is one of docker's 14: what keeps container root off the host's disks is
  // the devices cgroup (or, without one, no CAP_MKNOD). The "disk" is a loop device over
  // a file of this test's, readable by the host's root; the container only reads it.
  const file = join(bin, 'disk.img');
  writeFileSync(file, Buffer.alloc(1 << 20));
  const loop = execFileSync('losetup', ['-f', '--show', file], { encoding: 'utf8' }).trim();
  t.teardown(() => void execFileSync('losetup', ['-d', loop]));
  const { rdev } = statSync(loop);
  const [major, minor] = [Math.floor(rdev / 256) & 0xfff, (rdev & 0xff) | ((rdev >> 12) & 0xfff00)];
  t.ok(readFileSync(loop).subarray(0, 512).length === 512, `the host's root can read ${loop} (${major}:${minor})`);
  const r = await run([], `mknod /tmp/disk b ${major} ${minor} 2>/dev/null; dd if=/tmp/disk of=/dev/null bs=512 count=1 2>/dev/null; echo read=$?; echo x > /dev/null; echo null=$?; head -c 4 /dev/zero | wc -c`);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'read=1\nnull=0\n4\n', 'the block device is refused; /dev/null and /dev/zero work');
});

const BLOCKED = ['unshare', 'keyctl', 'add_key', 'bpf', 'kexec_load', 'open_by_handle_at'];

t.test("docker's seccomp profile blocks what it blocks, and a busybox session still works", { skip: needsRoot }, async (t) => {
  const r = await run([], `/t/syscalls ${BLOCKED.join(' ')}`);
  t.equal(r.code, 0, r.stderr);
  t.same(errnos(r.stdout), Object.fromEntries(BLOCKED.map((n) => [n, EPERM])), 'each fails with EPERM');
  const p = await run(['--privileged'], `/t/syscalls ${BLOCKED.join(' ')}`);
  const privileged = errnos(p.stdout);
  for (const n of BLOCKED) t.not(privileged[n], EPERM, `${n}: with --privileged, not EPERM (the arguments are harmless)`);
  const session = await run([], 'ls / >/dev/null && ps >/dev/null && sh -c "echo sub" && wget --help 2>&1 | head -1 | grep -q BusyBox && cat /etc/passwd | wc -l >/dev/null && echo session-ok');
  t.equal(session.code, 0, session.stderr);
  t.equal(session.stdout, 'sub\nsession-ok\n', 'a busybox session runs under the profile');
});

t.test('--security-opt seccomp=unconfined lifts the filter', { skip: needsRoot }, async (t) => {
  const r = await run(['--security-opt', 'seccomp=unconfined'], 'grep ^Seccomp: /proc/self/status; /t/syscalls unshare keyctl');
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^Seccomp:\s+0\n/, 'no seccomp filter (mode 0)');
  const e = errnos(r.stdout);
  t.equal(e.unshare, 0, 'unshare(0) needs no capability: it works');
  t.not(e.keyctl, EPERM, 'keyctl reaches the kernel');
});

t.test('--security-opt seccomp=FILE: a profile in docker\'s format is obeyed', { skip: needsRoot }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mydocker-04-profile-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const profile = join(dir, 'profile.json');
  writeFileSync(
    profile,
    JSON.stringify({
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
      syscalls: [
        { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
        { names: ['no_such_syscall_anywhere'], action: 'SCMP_ACT_ERRNO' },
        { names: ['unshare'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, includes: { caps: ['CAP_SYS_BOOT'] } },
      ],
    }),
  );
  const r = await run(['--security-opt', `seccomp=${profile}`], 'grep ^Seccomp: /proc/self/status; /t/syscalls mkdirat unshare keyctl');
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^Seccomp:\s+2\n/, 'a filter is loaded (mode 2)');
  t.same(errnos(r.stdout), { mkdirat: 13, unshare: 0, keyctl: errnos(r.stdout).keyctl }, 'mkdirat: the profile\'s EACCES; unshare: its rule needs CAP_SYS_BOOT, so it is allowed');
  t.not(errnos(r.stdout).keyctl, EPERM, 'keyctl: allowed by the default action');
  const boot = await run(['--cap-add', 'SYS_BOOT', '--security-opt', `seccomp=${profile}`], '/t/syscalls unshare');
  t.same(errnos(boot.stdout), { unshare: 22 }, 'with CAP_SYS_BOOT the conditional rule applies');
  const missing = await run(['--security-opt', `seccomp=${join(dir, 'nope.json')}`], 'echo ran');
  t.equal(missing.code, 125, 'a missing profile file: 125');
  t.match(missing.stderr, /^mydocker: opening seccomp profile .*nope\.json.*\n$/, 'one line naming the profile file');
});

t.test('the shocker exploit (open_by_handle_at) cannot reach a host file', { skip: needsRoot }, async (t) => {
  // a host file the container cannot see, and a volume on the same filesystem
  const dir = mkdtempSync(join(tmpdir(), 'mydocker-04-shocker-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'hidden'));
  mkdirSync(join(dir, 'vol'));
  writeFileSync(join(dir, 'hidden', 'secret'), 'host secret\n');
  const [type, hex] = execFileSync(shocker, ['get', join(dir, 'hidden', 'secret')], { encoding: 'utf8' }).trim().split(' ');
  const r = await run(['-v', `${join(dir, 'vol')}:/vol`], `/t/shocker open /vol ${type} ${hex}`);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, `errno=${EPERM}\n`, 'EPERM, not the file');
  const p = await run(['--privileged', '-v', `${join(dir, 'vol')}:/vol`], `/t/shocker open /vol ${type} ${hex}`);
  t.equal(p.stdout, 'read:host secret\n', 'the exploit itself works: --privileged lets it through, as in docker');
});

t.test('--user UID:GID: that user, no capabilities left', { skip: needsRoot }, async (t) => {
  const r = await run(['--user', '1000:1000'], 'id; grep -E "^Cap(Eff|Prm|Bnd):" /proc/self/status');
  t.equal(r.code, 0, r.stderr);
  const [id, ...lines] = r.stdout.trim().split('\n');
  t.equal(id, 'uid=1000 gid=1000 groups=1000', 'uid, gid and groups as --user 1000:1000 asked');
  const c = Object.fromEntries(lines.map((l) => l.split(/:\s+/)));
  t.equal(c.CapEff, '0000000000000000', 'CapEff 0: execve as a non-root user drops them');
  t.equal(c.CapPrm, '0000000000000000', 'CapPrm 0');
  t.equal(c.CapBnd, hexOf(DOCKER_CAPS), "the bounding set stays docker's");
});

t.test("--user NAME and --group-add: resolved in the container's /etc/passwd and /etc/group", { skip: needsRoot }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mydocker-04-etc-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nalice:x:1234:2345:Alice:/home/alice:/bin/sh\n');
  writeFileSync(join(dir, 'group'), 'root:x:0:\nstaff:x:2345:\nreaders:x:3456:bob,alice\nother:x:4567:bob\n');
  const etc = ['-v', `${join(dir, 'passwd')}:/etc/passwd:ro`, '-v', `${join(dir, 'group')}:/etc/group:ro`];
  const byName = await run([...etc, '--user', 'alice'], 'id -u; id -g; id -G');
  t.equal(byName.code, 0, byName.stderr);
  t.equal(byName.stdout, '1234\n2345\n2345 3456\n', 'uid and primary group from passwd, the groups that list alice');
  const explicit = await run([...etc, '--user', 'alice:other'], 'id -u; id -g; id -G');
  t.equal(explicit.stdout, '1234\n4567\n4567\n', 'an explicit group: only that one');
  const added = await run([...etc, '--user', 'alice', '--group-add', 'other', '--group-add', '777'], 'id -G');
  const gids = added.stdout.trim().split(' ').map(Number).sort((a, b) => a - b);
  t.same(gids, [777, 2345, 3456, 4567], '--group-add by name and by number');
  const unknown = await run([...etc, '--user', 'mallory'], 'echo ran');
  t.equal(unknown.code, 125, 'an unknown user: 125');
  t.equal(unknown.stdout, '', 'nothing on stdout');
  t.match(unknown.stderr, /^mydocker: .*unable to find user mallory.*\n$/, "docker's message: unable to find user");
  const badGroup = await run([...etc, '--group-add', 'nogroup-here'], 'echo ran');
  t.equal(badGroup.code, 125, 'an unknown group: 125');
  t.match(badGroup.stderr, /unable to find group nogroup-here/, "docker's message: unable to find group");
});

t.test("the image's USER is the default user; --user wins", { skip: needsRoot }, async (t) => {
  const imp = await importBusybox(root, 'busybox-nobody', ['USER nobody']);
  t.equal(imp.code, 0, imp.stderr);
  const r = await mydocker(['run', '--rm', 'busybox-nobody', 'id', '-u'], { root });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, '65534\n', "busybox's nobody");
  const over = await mydocker(['run', '--rm', '--user', '0', 'busybox-nobody', 'id', '-u'], { root });
  t.equal(over.stdout, '0\n', "--user 0 wins over the image's USER");
});

noLeaks(t, before);
