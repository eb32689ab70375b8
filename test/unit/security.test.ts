// Unit tests (no root): capability names and masks, docker's profile resolution
// (includes/excludes on caps, arches, kernel), --user resolution in passwd/group text.
import t from 'tap';
import { capMask, capNames, DEFAULT_CAPABILITIES, resolveCapabilities } from '../../src/security/capabilities.js';
import { defaultProfile, kernelAtLeast, resolveProfile, type Profile } from '../../src/security/seccomp.js';
import { resolveUser } from '../../src/security/user.js';
import { UsageError } from '../../src/toolkit/args.js';

t.test("docker's 14 default capabilities are 00000000a80425fb", async (t) => {
  t.equal(DEFAULT_CAPABILITIES.length, 14);
  t.equal(capMask(DEFAULT_CAPABILITIES), 0xa80425fbn);
  t.same(capNames(0x200001n), ['CAP_CHOWN', 'CAP_SYS_ADMIN']);
  t.same(resolveCapabilities({ add: [], drop: [], privileged: false }), capNames(0xa80425fbn), 'no flags: the defaults');
  // naming a capability checks that this process has it to give (docker's rule): root only
  if (process.getuid?.() === 0) t.same(resolveCapabilities({ add: [], drop: ['chown', 'CAP_KILL'], privileged: false }), capNames(0xa80425fbn & ~0x21n), 'dropped by any spelling');
  t.same(resolveCapabilities({ add: [], drop: ['all'], privileged: false }), []);
  t.throws(() => resolveCapabilities({ add: ['bogus'], drop: [], privileged: false }), new UsageError('invalid CapAdd: unknown capability: "CAP_BOGUS"'));
});

const all = (f: ReturnType<typeof resolveProfile>) => new Set(f!.rules.flatMap((r) => r.names.map((n) => `${n}:${r.action}`)));
const target = (caps: string[], arch = 'amd64', kernel = '6.1.0-28-amd64') => ({ caps, arch, kernel });

t.test("docker's default profile, resolved for a container", async (t) => {
  const p = defaultProfile();
  const plain = resolveProfile(p, target(DEFAULT_CAPABILITIES))!;
  t.equal(plain.defaultAction, 'SCMP_ACT_ERRNO');
  t.equal(plain.defaultErrno, 1, 'EPERM for anything not allowed');
  t.same(plain.architectures, ['x86_64', 'x86', 'x32'], "amd64's archMap entry");
  const allowed = all(plain);
  t.ok(allowed.has('read:SCMP_ACT_ALLOW') && allowed.has('execve:SCMP_ACT_ALLOW'));
  t.ok(allowed.has('arch_prctl:SCMP_ACT_ALLOW'), 'an amd64-only rule is in');
  t.notOk(allowed.has('s390_runtime_instr:SCMP_ACT_ALLOW'), 'an s390-only rule is out');
  t.ok(allowed.has('ptrace:SCMP_ACT_ALLOW'), 'minKernel 4.8 holds on 6.1');
  for (const n of ['mount', 'unshare', 'setns', 'bpf', 'open_by_handle_at', 'syslog', 'reboot']) t.notOk(allowed.has(`${n}:SCMP_ACT_ALLOW`), `${n} is not allowed`);
  t.ok(allowed.has('clone3:SCMP_ACT_ERRNO'), 'clone3 answers ENOSYS without CAP_SYS_ADMIN…');
  t.equal(plain.rules.find((r) => r.names.includes('clone3'))!.errno, 38);
  const clone = plain.rules.find((r) => r.names.includes('clone'))!;
  t.same(clone.args, [{ index: 0, value: 2114060288, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }], '…and clone only without namespace flags');

  const admin = all(resolveProfile(p, target([...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN'])));
  t.ok(admin.has('mount:SCMP_ACT_ALLOW') && admin.has('unshare:SCMP_ACT_ALLOW'), 'CAP_SYS_ADMIN brings its syscalls');
  t.notOk(admin.has('clone3:SCMP_ACT_ERRNO'), 'and lifts the clone restrictions (excludes.caps)');
  t.notOk(all(resolveProfile(p, target(DEFAULT_CAPABILITIES, 'amd64', '4.4.0'))).has('ptrace:SCMP_ACT_ALLOW'), 'minKernel 4.8 fails on 4.4');
  t.same(resolveProfile(p, target(DEFAULT_CAPABILITIES, 'arm64'))!.architectures, ['aarch64', 'arm']);
});

t.test('profile edge cases, as docker and runc treat them', async (t) => {
  const p: Profile = {
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      { names: ['getpid'], action: 'SCMP_ACT_ERRNO' },
      { name: 'write', action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 0, value: 2, op: 'SCMP_CMP_EQ' }] },
    ],
  };
  const f = resolveProfile(p, target([]))!;
  t.same(f.rules.map((r) => r.names), [['write'], ['write']], 'a rule like the default action is dropped; two conditions on one argument make two rules');
  t.same(f.architectures, [], 'no arches: only the native one (libseccomp adds it)');
  t.equal(resolveProfile({ defaultAction: '' }, target([])), undefined, 'an empty profile means no filter');
  t.throws(() => resolveProfile({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86'], archMap: [{ architecture: 'SCMP_ARCH_X86_64' }] }, target([])), /both 'architectures' and 'archMap'/);
  t.ok(kernelAtLeast('6.1.0-28-amd64', '5.8'));
  t.ok(kernelAtLeast('5.8.1', '5.8'));
  t.notOk(kernelAtLeast('5.7.19', '5.8'));
});

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nalice:x:1234:2345:Alice:/home/alice:/bin/sh\n';
const GROUP = 'root:x:0:root\nstaff:x:2345:\nreaders:x:3456:bob,alice\nother:x:4567:bob\n';

t.test('--user and --group-add resolve as moby/sys/user does', async (t) => {
  t.same(resolveUser('', [], PASSWD, GROUP), { uid: 0, gid: 0, groups: [0], home: '/root' }, 'root by default, with the groups listing root');
  t.same(resolveUser('alice', [], PASSWD, GROUP), { uid: 1234, gid: 2345, groups: [2345, 3456], home: '/home/alice' });
  t.same(resolveUser('1234', [], PASSWD, GROUP).groups, [2345, 3456], 'a uid found in passwd is that user');
  t.same(resolveUser('alice:other', [], PASSWD, GROUP), { uid: 1234, gid: 4567, groups: [4567], home: '/home/alice' }, 'an explicit group: no supplementary groups');
  t.same(resolveUser('5000:6000', [], PASSWD, GROUP), { uid: 5000, gid: 6000, groups: [6000], home: '/' }, 'numbers need no entry');
  t.same(resolveUser('alice', ['other', '99'], PASSWD, GROUP).groups, [2345, 3456, 4567, 99], '--group-add by name and number');
  t.same(resolveUser('7', [], undefined, undefined), { uid: 7, gid: 0, groups: [0], home: '/' }, 'no files: numbers only');
  t.throws(() => resolveUser('mallory', [], PASSWD, GROUP), /unable to find user mallory: no matching entries in passwd file/);
  t.throws(() => resolveUser('alice:nogroup', [], PASSWD, GROUP), /unable to find group nogroup: no matching entries in group file/);
  t.throws(() => resolveUser('alice', ['nogroup'], PASSWD, GROUP), /unable to find group nogroup/);
  t.throws(() => resolveUser('99999999999', [], PASSWD, GROUP), /range/);
});
