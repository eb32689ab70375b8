// Unit tests (no root): docker's resource flags and the drivers' conversions.
import t from 'tap';
import { formatList, MIN_MEMORY, parseBytes, parseCgroupParent, parseCpuList, parseNanoCpus, parseResources } from '../../src/cgroups/limits.js';
import { cpuMax, sharesToWeight, swapMax } from '../../src/cgroups/v2.js';
import { v1Hierarchies } from '../../src/cgroups/v1.js';
import { mountinfo as parseMountinfo } from '../../src/mountinfo.js';

const host = { cpus: [0, 1], mems: [0] };
const MiB = 1024 * 1024;

t.test('sizes in docker units (binary multiples)', async (t) => {
  t.equal(parseBytes('1024', '-m'), 1024);
  t.equal(parseBytes('64m', '-m'), 64 * MiB);
  t.equal(parseBytes('64M', '-m'), 64 * MiB);
  t.equal(parseBytes('1.5g', '-m'), 1.5 * 1024 * MiB);
  t.equal(parseBytes('512k', '-m'), 512 * 1024);
  t.equal(parseBytes('64MiB', '-m'), 64 * MiB);
  t.equal(parseBytes('64mb', '-m'), 64 * MiB);
  t.equal(parseBytes('10b', '-m'), 10);
  for (const bad of ['abc', '', '12x', '-5m', 'm', '1.2.3m', '64ib'])
    t.throws(() => parseBytes(bad, '--memory'), { message: new RegExp(`invalid argument "${bad.replace('.', '\\.')}" for "--memory"`), status: 125 }, `"${bad}" refused`);
});

t.test('cpu lists', async (t) => {
  t.same(parseCpuList('0-2,5'), [0, 1, 2, 5]);
  t.same(parseCpuList('3,1,1'), [1, 3]);
  t.equal(parseCpuList('2-1'), undefined);
  t.equal(parseCpuList('a'), undefined);
  t.equal(parseCpuList(''), undefined);
  t.equal(formatList([0, 1, 2, 5, 7, 8]), '0-2,5,7-8');
  t.equal(formatList([3]), '3');
});

t.test('cpu lists: a huge range is refused before anything is expanded', async (t) => {
  t.throws(() => parseResources({ cpusetCpus: '0-99999999999999999999' }, host), { status: 125 }, 'past the safe integers: not a list');
  for (const v of ['0-16000000', '0-99999999', '1,0-4294967295']) {
    const start = process.hrtime.bigint();
    t.throws(() => parseResources({ cpusetCpus: v }, host), { message: `Requested CPUs are not available - requested ${v}, available: 0-1`, status: 125 }, v);
    t.ok(process.hrtime.bigint() - start < 50_000_000n, `${v}: refused in under 50 ms`);
  }
  t.equal(parseCpuList('0-99999999'), undefined, 'parseCpuList has a ceiling of its own');
});

// what docker 28.2.2's client did with each --cpus value, measured on this machine
// (`docker run --cpus V busybox true` with no daemon: a bad value fails before it connects)
t.test("--cpus: docker's big.Rat grammar", async (t) => {
  const accepted: [string, bigint][] = [
    ['0x1', 1_000_000_000n], ['0x1p0', 1_000_000_000n], ['1/2', 500_000_000n], ['1e0', 1_000_000_000n], ['0.5', 500_000_000n],
    ['1_0', 10_000_000_000n], ['0b1', 1_000_000_000n], ['0o7', 7_000_000_000n], ['07', 7_000_000_000n], ['.5', 500_000_000n],
    ['5.', 5_000_000_000n], ['+1', 1_000_000_000n], ['-0', 0n], ['0x_1', 1_000_000_000n], ['-1/2', -500_000_000n],
    ['0x1.8', 1_500_000_000n], ['0x1e', 30_000_000_000n], ['1.5e-1', 150_000_000n], ['1e+1', 10_000_000_000n],
    ['0x1p-1', 500_000_000n], ['1/0x2', 500_000_000n], ['0b1.1', 1_500_000_000n], ['0X1', 1_000_000_000n], ['1E1', 10_000_000_000n],
    ['0x1P1', 2_000_000_000n], ['0o1.1', 1_125_000_000n], ['08', 8_000_000_000n], ['0.1e1_0', 1_000_000_000_000_000_000n],
  ];
  for (const [v, nano] of accepted) t.equal(parseNanoCpus(v), nano, `"${v}" accepted`);
  t.ok(parseNanoCpus('1e400') > 0n, '"1e400" parses (the range check refuses it)');
  for (const v of ['inf', ' 1', '1 ', '1__0', '_1', '1_', '0x', '1/0', '1/-2', '1e', '1.2.3', '', 'abc', '1/2/3', '1.5/2', '0b12'])
    t.throws(() => parseNanoCpus(v), { message: `invalid argument "${v}" for "--cpus" flag: failed to parse ${v} as a rational number` }, `"${v}" refused`);
  t.throws(() => parseNanoCpus('1e-400'), { message: 'invalid argument "1e-400" for "--cpus" flag: value is too precise' });
  t.same(parseResources({ cpus: '0x1' }, host), { cpus: 1 }, '0x1 is one CPU, as for docker');
  t.same(parseResources({ cpus: '3/2' }, host), { cpus: 1.5 });
});

t.test('resources: the values docker would use', async (t) => {
  t.same(parseResources({}, host), {}, 'no flags, no limits');
  t.same(parseResources({ memory: '64m' }, host), { memory: 64 * MiB });
  t.same(parseResources({ memory: '64m', memorySwap: '-1' }, host), { memory: 64 * MiB, memorySwap: -1 });
  t.same(parseResources({ memory: '64m', memorySwap: '128m' }, host), { memory: 64 * MiB, memorySwap: 128 * MiB });
  t.same(parseResources({ cpus: '0.5' }, host), { cpus: 0.5 });
  t.same(parseResources({ cpus: '2' }, host), { cpus: 2 }, 'all CPUs');
  t.same(parseResources({ cpus: '0' }, host), {}, 'cpus 0: no limit, as in docker');
  t.same(parseResources({ cpuShares: '512' }, host), { cpuShares: 512 });
  t.same(parseResources({ cpuShares: '0' }, host), {}, 'shares 0: the default');
  t.same(parseResources({ cpusetCpus: '1,0' }, host), { cpusetCpus: '0-1' });
  t.same(parseResources({ cpusetMems: '0' }, host), { cpusetMems: '0' });
  t.same(parseResources({ pidsLimit: '20' }, host), { pidsLimit: 20 });
  t.same(parseResources({ pidsLimit: '-1' }, host), {}, 'pids -1: unlimited');
  t.same(parseResources({ pidsLimit: '0' }, host), {}, 'pids 0: unlimited');
  t.equal(parseResources({ memory: String(MIN_MEMORY) }, host).memory, MIN_MEMORY, 'the minimum itself is allowed');
});

t.test('resources: what docker refuses, with its messages', async (t) => {
  const refuse = (f: Parameters<typeof parseResources>[0], msg: RegExp) =>
    t.throws(() => parseResources(f, host), { message: msg, status: 125 }, JSON.stringify(f));
  refuse({ memory: '1m' }, /^Minimum memory limit allowed is 6MB$/);
  refuse({ memorySwap: '100m' }, /always set the Memory limit when using Memoryswap/);
  refuse({ memory: '64m', memorySwap: '32m' }, /memoryswap limit should be larger than memory limit/);
  refuse({ cpus: '-1' }, /^Range of CPUs is from 0\.01 to 2\.00, as there are only 2 CPUs available$/);
  refuse({ cpus: '0.001' }, /Range of CPUs/);
  refuse({ cpus: '3' }, /Range of CPUs/);
  refuse({ cpus: 'half' }, /invalid argument "half" for "--cpus"/);
  refuse({ cpus: '' }, /invalid argument "" for "--cpus"/);
  refuse({ cpuShares: '1' }, /range is 2 to 262144/);
  refuse({ cpuShares: '300000' }, /range is 2 to 262144/);
  refuse({ cpuShares: '1.5' }, /not a whole number/);
  refuse({ cpusetCpus: '99' }, /^Requested CPUs are not available - requested 99, available: 0-1$/);
  refuse({ cpusetCpus: '0-2' }, /requested 0-2/);
  refuse({ cpusetCpus: 'x' }, /expected a list/);
  refuse({ cpusetMems: '1' }, /^Requested Memory nodes are not available/);
  refuse({ pidsLimit: 'lots' }, /not a whole number/);
});

// values the kernel would refuse (EINVAL, ERANGE) are refused here, in the flag's terms,
// and no message ever shows a number in exponent form ("2e+23")
t.test('resources: out of the kernel\'s range, one clear message, no exponent', async (t) => {
  const huge = '200000000000000000000000';
  const cases: [Parameters<typeof parseResources>[0], RegExp][] = [
    [{ memory: huge }, /^invalid argument "200000000000000000000000" for "--memory" flag: value out of range/],
    [{ memory: '9000000t' }, /for "--memory" flag: value out of range/],
    [{ memory: '64m', memorySwap: huge }, /for "--memory-swap" flag: value out of range/],
    [{ cpuShares: '99999999999999999999999' }, /^invalid --cpu-shares 99999999999999999999999: the range is 2 to 262144$/],
    [{ pidsLimit: '99999999999999999999' }, /^invalid --pids-limit 99999999999999999999: the kernel allows at most 4194304/],
    [{ pidsLimit: '4194305' }, /at most 4194304/],
    [{ cpus: '1e20' }, /^Range of CPUs is from 0\.01 to 2\.00, as there are only 2 CPUs available$/],
    [{ cpusetCpus: '99' }, /^Requested CPUs are not available - requested 99, available: 0-1$/],
  ];
  for (const [f, msg] of cases) {
    let err: Error | undefined;
    try {
      parseResources(f, host);
    } catch (e) {
      err = e as Error;
    }
    t.match(err?.message, msg, `parseResources(${JSON.stringify(f)}): expected ${msg}, got ${err?.message ?? 'no error'}`);
    t.notMatch(err?.message ?? '', /\de[+-]\d/, `parseResources(${JSON.stringify(f)}): no number in exponent form in "${err?.message}"`);
  }
  t.same(parseResources({ pidsLimit: '4194304' }, host), { pidsLimit: 4194304 }, 'the kernel\'s maximum itself is allowed');
  t.same(parseResources({ memory: '7p' }, host), { memory: 7 * 1024 ** 5 }, '7 PiB: exact, allowed');
  t.throws(() => parseResources({ memory: '8p' }, host), { message: /value out of range \(less than 8PiB\)/ }, '8 PiB = 2^53: no longer exact, refused');
});

t.test('--cgroup-parent stays inside the hierarchy', async (t) => {
  t.equal(parseCgroupParent('mydocker'), 'mydocker');
  t.equal(parseCgroupParent('/a/b/'), 'a/b');
  t.equal(parseCgroupParent('./a//b'), 'a/b');
  for (const bad of ['..', 'a/../..', '/', ''])
    t.throws(() => parseCgroupParent(bad), { status: 125 }, `"${bad}" refused`);
});

t.test('v2 conversions as runc does them', async (t) => {
  t.equal(sharesToWeight(2), 1, 'the least shares: weight 1');
  t.equal(sharesToWeight(262144), 10000, 'the most shares: weight 10000');
  t.equal(sharesToWeight(1024), 39, "docker's default shares");
  t.equal(sharesToWeight(512), 20);
  t.equal(cpuMax(0.5), '50000 100000');
  t.equal(cpuMax(1.25), '125000 100000');
  t.equal(cpuMax(undefined), 'max 100000');
  t.equal(swapMax(64 * MiB, undefined), 64 * MiB, 'default: as much swap again as memory');
  t.equal(swapMax(64 * MiB, 100 * MiB), 36 * MiB, 'memory.swap.max is swap alone');
  t.equal(swapMax(64 * MiB, 64 * MiB), 0, 'memory-swap = memory: no swap');
  t.equal(swapMax(64 * MiB, -1), 'max');
});

t.test('v1 hierarchies from mountinfo, co-mounted controllers included', async (t) => {
  const mountinfo = [
    '25 1 0:23 / /sys/fs/cgroup rw,nosuid - tmpfs tmpfs ro,mode=755',
    '26 25 0:24 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw',
    '27 25 0:25 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct',
    '28 25 0:26 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory',
    '29 25 0:27 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids',
    '30 25 0:28 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset,clone_children',
    '31 25 0:29 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd',
    '32 25 0:30 / /sys/fs/cgroup/freezer rw - cgroup cgroup rw,freezer',
  ].join('\n');
  const h = v1Hierarchies(parseMountinfo(mountinfo));
  t.same(Object.fromEntries(h), {
    cpu: '/sys/fs/cgroup/cpu,cpuacct',
    cpuacct: '/sys/fs/cgroup/cpu,cpuacct',
    memory: '/sys/fs/cgroup/memory',
    pids: '/sys/fs/cgroup/pids',
    cpuset: '/sys/fs/cgroup/cpuset',
  });
});
