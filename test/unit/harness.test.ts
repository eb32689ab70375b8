// Unit tests (no root) of the harness's leak check, mount part: it judges only what a
// test file could have done, so a program beside the tests (docker, podman) mounting or
// unmounting its own things does not fail it, while a mount a test leaves behind does.
import t from 'tap';
import { mountChanges } from '../harness/index.js';

const OWN = '/tmp/mydocker-test-abc';
/** one line of /proc/self/mountinfo: id, parent, major:minor, root, mount point, options, -, type, source, super options */
const line = (id: number, point: string, type = 'tmpfs', superOpts = 'rw') => `${id} 1 0:${id} / ${point} rw,relatime shared:${id} - ${type} ${type} ${superOpts}`;
const table = (...lines: string[]) => `${lines.join('\n')}\n`;
const base = [line(1, '/', 'overlay'), line(2, '/proc', 'proc'), line(3, '/sys', 'sysfs'), line(4, '/sys/fs/cgroup/memory', 'cgroup'), line(5, '/var/lib/containers/storage/overlay/x/merged', 'overlay'), line(6, '/run/netns/cni-1', 'nsfs')];
const before = table(...base);

t.test('mountChanges: another program unmounting its own mount is not a leak', async (t) => {
  const after = table(...base.filter((l) => !l.startsWith('5 ') && !l.startsWith('6 ')));
  for (const sandbox of [true, false]) {
    t.same(mountChanges(before, after, [OWN], sandbox), { added: [], gone: [] }, `podman's overlay and netns mounts vanished (sandbox: ${sandbox}): expected nothing reported`);
  }
});

t.test('mountChanges: a remount that changes a line (same mount id) is not a leak', async (t) => {
  const after = table(...base.map((l) => (l.startsWith('5 ') ? line(5, '/var/lib/containers/storage/overlay/x/merged', 'overlay', 'ro') : l)));
  t.same(mountChanges(before, after, [OWN], true), { added: [], gone: [] }, 'mount 5 remounted read-only elsewhere: expected nothing reported');
});

t.test('mountChanges: another program mounting outside the sandbox is not ours', async (t) => {
  const after = table(...base, line(7, '/var/lib/docker/overlay2/y/merged', 'overlay'));
  t.same(mountChanges(before, after, [OWN], false).added, [], "docker's new overlay on the host, no sandbox: expected not reported");
});

t.test('mountChanges: a mount under the test\'s own root left behind is a leak', async (t) => {
  const leaked = line(8, `${OWN}/containers/c1/merged`, 'overlay');
  const after = table(...base, leaked);
  t.same(mountChanges(before, after, [OWN], false).added, [leaked], 'no sandbox: expected the overlay under our root reported as added');
  t.same(mountChanges(before, after, [OWN], true).added, [leaked], 'in the sandbox: expected it reported as added');
  const proc = line(9, '/proc', 'proc');
  t.same(mountChanges(before, table(...base, proc), [OWN], false).added, [proc], 'a proc mounted over the host\'s /proc: expected reported');
  // the kernel reuses a freed mount id: podman's mount 5 goes, ours comes with id 5
  const reused = line(5, `${OWN}/x`, 'tmpfs');
  const swapped = table(...base.filter((l) => !l.startsWith('5 ')), reused);
  t.same(mountChanges(before, swapped, [OWN], true), { added: [reused], gone: [] }, 'a new mount under our root with a reused id: expected reported as added (and the vanished foreign one not)');
  const stray = line(10, '/mnt/elsewhere', 'tmpfs');
  t.same(mountChanges(before, table(...base, stray), [OWN], true).added, [stray], "in the sandbox any new mount is this file's: expected reported");
});

t.test('mountChanges: a mount the test removed from its own folders or the system is reported', async (t) => {
  const mine = line(11, `${OWN}/fixture`, 'tmpfs');
  const withMine = table(...base, mine);
  t.same(mountChanges(withMine, before, [OWN], true).gone, [mine], 'a mount under our folder vanished: expected reported as removed');
  const noProc = table(...base.filter((l) => !l.startsWith('2 ')));
  t.same(mountChanges(before, noProc, [OWN], true).gone, [base[1]], '/proc unmounted: expected reported as removed');
  const noCgroup = table(...base.filter((l) => !l.startsWith('4 ')));
  t.same(mountChanges(before, noCgroup, [OWN], false).gone, [base[3]], 'a cgroup hierarchy unmounted: expected reported as removed');
  // a runtime that pivots the sandbox's own root (no mount namespace): / is a new mount, the old one is gone
  const pivoted = table(line(20, '/', 'overlay'), ...base.slice(1));
  const r = mountChanges(before, pivoted, [OWN], true);
  t.same(r.gone, [base[0]], 'the old / replaced: expected reported as removed');
  t.equal(r.added.length, 1, 'and the new / reported as added');
});
