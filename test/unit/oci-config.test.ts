// Unit tests (no root): an OCI config.json (runtime-spec 1.0.2) mapped onto the
// container config of chapters 01-05 (src/oci/config.ts), and what it refuses.
import t from 'tap';
import { ConfigError, fromConfig } from '../../src/oci/config.js';
import type { OciConfig } from '../../src/oci/spec.js';

const host = { hostname: 'the-host', seccomp: { arch: 'amd64', kernel: '6.1.0-28-amd64' } };

/** `runc spec`'s config (runc 1.1.5), the shape containerd sends too */
function base(): OciConfig {
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: ['sh', '-c', 'echo hi'],
      env: ['PATH=/usr/bin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: {
        bounding: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
        effective: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
        permitted: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
        ambient: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'runc',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    ],
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      maskedPaths: ['/proc/kcore'],
      readonlyPaths: ['/proc/sys'],
    },
  };
}

const plan = (patch: (c: OciConfig) => void = () => {}) => {
  const c = base();
  patch(c);
  return fromConfig(c, '/bundles/b', 'c1', host);
};

t.test("runc spec's config: the process, the root, the namespaces", async (t) => {
  const p = plan();
  t.same(p.spec.args, ['sh', '-c', 'echo hi']);
  t.same(p.spec.env, ['PATH=/usr/bin:/bin', 'TERM=xterm'], 'the env as given: no docker defaults added');
  t.equal(p.spec.hostname, 'runc');
  t.equal(p.spec.tty, false);
  t.equal(p.spec.oci!.root, '/bundles/b/rootfs', 'root.path is relative to the bundle');
  t.equal(p.spec.oci!.readonly, true);
  t.equal(p.cloneFlags, 0x20000000 | 0x40000000 | 0x08000000 | 0x04000000 | 0x00020000, 'pid, net, ipc, uts, mnt');
  t.equal(p.cgroupsPath, 'c1', "runc's default cgroup: the container's id");
  t.same(p.spec.security!.rlimits, [{ resource: 'nofile', soft: 1024, hard: 1024 }], 'rlimits: set by the init, last');
  t.same(p.spec.oci!.maskedPaths, ['/proc/kcore']);
  t.same(p.spec.oci!.readonlyPaths, ['/proc/sys']);
  t.same(p.deviceRules, [{ allow: false, rule: 'a' }]);
  t.equal(p.spec.security!.user, '0:0');
  t.equal(p.spec.security!.noNewPrivileges, true);
});

t.test('capabilities: five sets by number; an ambient one the kernel cannot keep is a warning', async (t) => {
  const p = plan();
  const s = p.spec.security!;
  t.same(s.capabilities, [29, 5, 10], 'bounding: AUDIT_WRITE KILL NET_BIND_SERVICE');
  t.same(s.sets!.effective, [29, 5, 10]);
  t.same(s.sets!.inheritable, []);
  t.same(s.sets!.ambient, [], 'not inheritable: dropped');
  t.match(p.warnings[0], /ambient: CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE not permitted and inheritable/);
  const q = plan((c) => (c.process!.capabilities!.inheritable = ['CAP_KILL']));
  t.same(q.spec.security!.sets!.ambient, [5], 'permitted and inheritable: kept');
  t.throws(() => plan((c) => (c.process!.capabilities!.bounding = ['CAP_BOGUS'])), new ConfigError('config.json: process.capabilities.bounding: unknown capability "CAP_BOGUS"'));
});

t.test('mounts: options become flags, data and propagation', async (t) => {
  const p = plan((c) =>
    c.mounts!.push(
      { destination: '/data', type: 'bind', source: 'data', options: ['rbind', 'ro', 'rprivate'] },
      { destination: '/tmp/', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'mode=1777'] },
    ),
  );
  const [proc, dev, sys, data, tmp] = p.spec.oci!.mounts;
  t.same(proc, { destination: '/proc', type: 'proc', source: 'proc', flags: 0, data: '', propagation: [] });
  t.equal(dev.flags, 2 | (1 << 24), 'nosuid strictatime');
  t.equal(dev.data, 'mode=755,size=65536k');
  t.equal(sys.flags, 2 | 8 | 4 | 1, 'nosuid noexec nodev ro');
  t.equal(data.source, '/bundles/b/data', "a bind's relative source is the bundle's");
  t.equal(data.flags, 4096 | 16384 | 1, 'bind rec ro');
  t.same(data.propagation, [(1 << 18) | 16384], 'rprivate');
  t.equal(tmp.destination, '/tmp', 'cleaned');
  t.throws(() => plan((c) => c.mounts!.push({ destination: 'rel', type: 'tmpfs' })), /mounts\[3\]\.destination: "rel" is not an absolute path/);
  const bindData = plan((c) => c.mounts!.push({ destination: '/x', type: 'bind', source: '/y', options: ['bind', 'size=1'] }));
  t.equal(bindData.spec.oci!.mounts[3].data, '', "a bind's filesystem options: dropped (mount(2) ignores them) …");
  t.match(bindData.warnings.slice(1), [/mounts\[3\]\.options: size=1: a bind mount takes no filesystem options, ignored/], '… and said');
  t.throws(() => plan((c) => c.mounts!.push({ destination: '/x', type: 'tmpfs', options: ['tmpcopyup'] })), /"tmpcopyup" is not supported/);
});

t.test('cgroups: path and resources', async (t) => {
  const p = plan((c) => {
    c.linux!.cgroupsPath = '/default/c1';
    c.linux!.resources = { memory: { limit: 64 << 20 }, cpu: { shares: 512, quota: 50000, period: 500000, cpus: '0' }, pids: { limit: 10 } };
  });
  t.equal(p.cgroupsPath, 'default/c1', "containerd's path, under each hierarchy's root");
  t.same(p.resources, { memory: 64 << 20, cpuShares: 512, cpusetCpus: '0', pidsLimit: 10 });
  t.equal(p.cpuPeriod, 500000, 'the period as given');
  t.equal(p.cpuQuota, 50000);
  t.throws(() => plan((c) => (c.linux!.cgroupsPath = 'system.slice:docker:c1')), /systemd/);
  t.throws(() => plan((c) => (c.linux!.resources = { blockIO: { weight: 10 } })), new ConfigError('config.json: linux.resources.blockIO: not supported'));
  t.throws(() => plan((c) => (c.linux!.resources = { memory: { kernel: 1 } })), /memory\.kernel: not supported/);
});

t.test('namespaces: new, joined by path (user first), or the runtime\'s; user namespaces need their mappings', async (t) => {
  const joined = plan((c) => (c.linux!.namespaces = [{ type: 'pid' }, { type: 'mount' }, { type: 'uts' }, { type: 'network', path: '/proc/1/ns/net' }, { type: 'user', path: '/proc/1/ns/user' }]));
  t.same(joined.join.map((j) => [j.type, j.path]), [['user', '/proc/1/ns/user'], ['network', '/proc/1/ns/net']], 'joined by path, the user namespace first');
  t.equal(joined.cloneFlags & 0x40000000, 0, 'a joined network namespace is not made new');
  t.same(joined.spec.oci!.newNamespaces.sort(), ['mount', 'pid', 'uts']);
  t.ok(joined.spec.oci!.userNamespace, 'a joined user namespace is a user namespace');
  t.throws(() => plan((c) => (c.linux!.namespaces = [{ type: 'network', path: 'net' }])), /must be an absolute path|is not an absolute path/);
  t.throws(() => plan((c) => c.linux!.namespaces!.push({ type: 'user' })), /a new user namespace needs linux.uidMappings/);
  t.throws(() => plan((c) => (c.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }])), /mappings need a user namespace/);
  const mapped = plan((c) => {
    c.linux!.namespaces!.push({ type: 'user' });
    c.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 10 }, { containerID: 10, hostID: 5000, size: 1 }];
    c.linux!.gidMappings = [{ containerID: 0, hostID: 2000, size: 10 }];
  });
  t.equal(mapped.uidMap, '0 1000 10\n10 5000 1\n', 'uid_map: one line a mapping');
  t.equal(mapped.gidMap, '0 2000 10\n');
  t.equal(mapped.cloneFlags & 0x10000000, 0x10000000, 'CLONE_NEWUSER');
  const none = plan((c) => {
    c.linux!.namespaces = [];
    delete c.hostname;
    delete c.linux!.maskedPaths;
    delete c.linux!.readonlyPaths;
  });
  t.equal(none.cloneFlags, 0, "none listed: every namespace is the runtime's");
  t.equal(none.spec.hostname, '', 'and its hostname is left alone');
  t.equal(none.spec.cgroupNamespace, false, 'no cgroup namespace unless listed');
  t.throws(() => plan((c) => (c.linux!.namespaces = [{ type: 'pid' }, { type: 'uts' }])), /masked and read-only paths need a mount namespace/);
});

t.test('sysctls: only namespaced ones, in their own namespace', async (t) => {
  t.same(plan((c) => (c.linux!.sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.shmmni': '8192' })).spec.oci!.sysctl, [
    ['net.ipv4.ip_forward', '1'],
    ['kernel.shmmni', '8192'],
  ]);
  t.throws(() => plan((c) => (c.linux!.sysctl = { 'kernel.panic': '1' })), /not namespaced: it would change the host/);
  t.throws(() => plan((c) => {
    c.linux!.namespaces = c.linux!.namespaces!.filter((n) => n.type !== 'network');
    c.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
  }), /needs a network namespace/);
});

t.test('the rest: hooks in order, devices, seccomp through chapter 04, refusals', async (t) => {
  const p = plan((c) => {
    c.hooks = { prestart: [{ path: '/bin/a' }, { path: '/bin/b', args: ['b', '1'] }], poststop: [{ path: '/bin/c' }] };
    c.linux!.devices = [{ type: 'c', path: '/dev/fuse', major: 10, minor: 229 }];
    c.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ['getcwd'], action: 'SCMP_ACT_ERRNO' }] };
    c.process!.oomScoreAdj = 100;
  });
  t.same(p.hooks.prestart.map((h) => h.path), ['/bin/a', '/bin/b']);
  t.same(p.hooks.poststop.map((h) => h.path), ['/bin/c']);
  t.same(p.spec.oci!.devices, [{ type: 'c', path: '/dev/fuse', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 }]);
  t.same(p.spec.security!.seccomp, { defaultAction: 'SCMP_ACT_ALLOW', defaultErrno: 1, architectures: ['x86_64'], rules: [{ names: ['getcwd'], action: 'SCMP_ACT_ERRNO', errno: 1, args: [] }] });
  t.equal(p.oomScoreAdj, 100);
  const inside = plan((c) => (c.hooks = { createContainer: [{ path: '/bin/a' }], startContainer: [{ path: '/b' }] }));
  t.same(inside.spec.oci!.hooks, { createContainer: [{ path: '/bin/a' }], startContainer: [{ path: '/b' }] }, 'createContainer and startContainer: for the init to run');
  t.equal(plan(() => {}).spec.oci!.hooks, undefined, 'no hooks inside: nothing for the init');
  t.doesNotThrow(() => plan((c) => (c.linux!.resources = { blockIO: {}, memory: { swappiness: 0 }, hugepageLimits: [] } as never)), "an empty entry asks nothing (dockerd's blockIO: {})");
  t.throws(() => plan((c) => (c.process!.apparmorProfile = 'x')), /AppArmor is not supported/);
  t.throws(() => plan((c) => (c.linux!.intelRdt = {})), /linux\.intelRdt: not supported/);
  t.throws(() => plan((c) => (c.ociVersion = '0.5.0')), /ociVersion/);
  t.throws(() => plan((c) => (c.process!.args = [])), /process\.args: must name a command/);
  t.equal(plan((c) => delete c.hostname).spec.hostname, 'the-host', "no hostname: the uts namespace keeps the host's");
});
