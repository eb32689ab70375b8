// Unit tests (no root): image references, layer entry names, --change, -v.
import t from 'tap';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyChanges } from '../../src/image/import.js';
import { cleanName, pathInside } from '../../src/image/layer.js';
import { normalizeRef } from '../../src/image/reference.js';
import { parseVolume } from '../../src/rootfs/prepare.js';

t.test('image references', async (t) => {
  t.equal(normalizeRef('busybox'), 'busybox:latest');
  t.equal(normalizeRef('busybox:1.36'), 'busybox:1.36');
  t.equal(normalizeRef('localhost:5000/lib/busybox'), 'localhost:5000/lib/busybox:latest', 'a registry port is not a tag');
  t.equal(normalizeRef('localhost:5000/busybox:v1'), 'localhost:5000/busybox:v1');
  t.equal(normalizeRef('my_app-2.x'), 'my_app-2.x:latest');
  for (const bad of ['UPPER', 'a:b:c', 'bad name', '', ':tag', 'x:', 'x:-tag', '-x', 'a//b'])
    t.throws(() => normalizeRef(bad), { message: /^invalid reference format/, status: 125 }, `"${bad}" refused`);
});

t.test('layer entry names: relative, never leaving the layer', async (t) => {
  t.equal(cleanName('./usr/bin/x'), 'usr/bin/x');
  t.equal(cleanName('/etc//passwd'), 'etc/passwd', 'absolute names are read as relative');
  t.equal(cleanName('dir/'), 'dir');
  for (const bad of ['../x', 'a/../../x', 'a/..', '..'])
    t.throws(() => cleanName(bad), { message: /leaves the layer/ }, `"${bad}" refused`);
});

t.test('pathInside: parents are made, and must be real directories', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mydocker-unit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  t.equal(pathInside(dir, 'a/b/c'), join(dir, 'a/b/c'));
  mkdirSync(join(dir, 'real'));
  symlinkSync('/etc', join(dir, 'link'));
  writeFileSync(join(dir, 'file'), '');
  t.equal(pathInside(dir, 'real/x'), join(dir, 'real/x'));
  t.throws(() => pathInside(dir, 'link/passwd'), { message: /goes through a symlink/ });
  t.throws(() => pathInside(dir, 'file/x'), { message: /goes through a file/ });
  t.throws(() => pathInside(dir, '../x'), { message: /leaves the layer/ });
});

t.test('--change: docker’s instructions for an image’s defaults', async (t) => {
  t.same(applyChanges({}, ['CMD ["/bin/sh", "-c", "echo hi"]']), { Cmd: ['/bin/sh', '-c', 'echo hi'] }, 'exec form');
  t.same(applyChanges({}, ['CMD echo hi']), { Cmd: ['/bin/sh', '-c', 'echo hi'] }, 'shell form');
  t.same(applyChanges({}, ['ENTRYPOINT ["/bin/top"]', 'WORKDIR /srv', 'USER 1000']), { Entrypoint: ['/bin/top'], WorkingDir: '/srv', User: '1000' });
  t.same(applyChanges({ Env: ['A=1', 'B=2'] }, ['ENV A=3', 'env C 4']), { Env: ['B=2', 'A=3', 'C=4'] }, 'ENV replaces, both forms, any case');
  t.throws(() => applyChanges({}, ['FROM scratch']), { message: /FROM is not supported/, status: 125 });
  t.same(applyChanges({}, ['CMD [not json']), { Cmd: ['/bin/sh', '-c', '[not json'] }, 'not JSON: shell form, as docker');
  t.same(applyChanges({}, ['CMD [1, 2]']), { Cmd: ['/bin/sh', '-c', '[1, 2]'] }, 'not a list of strings: shell form');
  t.throws(() => applyChanges({}, ['ENV']), { message: /expected INSTRUCTION ARGUMENTS/ });
});

t.test('-v: bind mounts and named volumes', async (t) => {
  t.same(parseVolume('/r', '/tmp:/data'), { source: '/tmp', target: '/data', readonly: false });
  t.same(parseVolume('/r', '/tmp:/data/:ro'), { source: '/tmp', target: '/data', readonly: true });
  t.same(parseVolume('/r', 'cache:/var/cache'), { source: '/r/volumes/cache', target: '/var/cache', readonly: false, name: 'cache' });
  t.throws(() => parseVolume('/r', '/no/such/dir-x:/data'), { message: /bind source path does not exist/ });
  t.throws(() => parseVolume('/r', '/tmp:relative'), { message: /must be absolute/ });
  t.throws(() => parseVolume('/r', '/tmp:/'), { message: /must be absolute and not "\/"/ });
  t.throws(() => parseVolume('/r', '/tmp:/d:rx'), { message: /invalid mode "rx"/ });
  t.throws(() => parseVolume('/r', 'just-one'), { message: /SOURCE:TARGET/ });
  t.throws(() => parseVolume('/r', '../up:/d'), { message: /neither an absolute path nor a valid volume name/ });
});
