// Chapter 02's own black-box tests, run whole inside the cgroup v2 VM: the suite a
// learner runs on Ubuntu 24.04 (pure v2) is proven on a v2 kernel, not only on this
// hybrid host. Slow (Node under software emulation: ~3-4 minutes), so it is one job.
import t from 'tap';
import { runInVm, vmAvailable } from '../harness/vm.js';
import { REPO } from '../harness/index.js';

t.test('chapter 02 tests pass on a cgroup v2 kernel', { skip: vmAvailable() ?? false, timeout: 20 * 60_000 }, async (t) => {
  const r = await runInVm(`cd ${REPO} && node tools/test.mjs test/chapters/02-cgroups.test.ts 2>&1 | grep -E "cgroup mode|^\\s*not ok|passed, [0-9]+ failed$|skipped$"`, {
    timeoutMs: 18 * 60_000,
  });
  t.comment(`VM job took ${r.ms} ms`);
  t.match(r.stdout, /# cgroup mode: unified/, 'the tests saw a unified (v2) hierarchy');
  const m = r.stdout.match(/^(\d+) passed, (\d+) failed$/m);
  t.ok(m, `a summary line came back: ${r.stdout}${r.stderr}`);
  t.ok(Number(m?.[1]) > 50, `the tests ran: ${m?.[1]} passed`);
  t.equal(Number(m?.[2]), 0, `none failed:\n${r.stdout}`);
  t.match(r.stdout, /^0 skipped$/m, 'none skipped');
});
