// Unit tests (no root): docker's reference grammar, with the examples of
// github.com/distribution/reference's own tests (reference_test.go, normalize_test.go).
import t from 'tap';
import { checkAnyReference, familiarName, normalizeRef, parseNormalizedNamed, parseReference } from '../../src/image/reference.js';

const F64 = 'f'.repeat(64);

t.test('Parse: distribution/reference TestReferenceParse', async (t) => {
  // [input, name (domain/path), domain, tag, digest]
  const good: [string, string, string, string?, string?][] = [
    ['test_com', 'test_com', ''],
    ['test.com:tag', 'test.com', '', 'tag'],
    ['test.com:5000', 'test.com', '', '5000'],
    ['test.com/repo:tag', 'test.com/repo', 'test.com', 'tag'],
    ['test:5000/repo', 'test:5000/repo', 'test:5000'],
    ['test:5000/repo:tag', 'test:5000/repo', 'test:5000', 'tag'],
    [`test:5000/repo@sha256:${F64}`, 'test:5000/repo', 'test:5000', undefined, `sha256:${F64}`],
    [`test:5000/repo:tag@sha256:${F64}`, 'test:5000/repo', 'test:5000', 'tag', `sha256:${F64}`],
    ['lowercase:Uppercase', 'lowercase', '', 'Uppercase'],
    [`${'a/'.repeat(127)}a:tag-puts-this-over-max`, `${'a/'.repeat(127)}a`, 'a', 'tag-puts-this-over-max'],
    ['sub-dom1.foo.com/bar/baz/quux', 'sub-dom1.foo.com/bar/baz/quux', 'sub-dom1.foo.com'],
    ['sub-dom1.foo.com/bar/baz/quux:some-long-tag', 'sub-dom1.foo.com/bar/baz/quux', 'sub-dom1.foo.com', 'some-long-tag'],
    ['b.gcr.io/test.example.com/my-app:test.example.com', 'b.gcr.io/test.example.com/my-app', 'b.gcr.io', 'test.example.com'],
    ['xn--n3h.com/myimage:xn--n3h.com', 'xn--n3h.com/myimage', 'xn--n3h.com', 'xn--n3h.com'],
    [`xn--7o8h.com/myimage:xn--7o8h.com@sha512:${'f'.repeat(128)}`, 'xn--7o8h.com/myimage', 'xn--7o8h.com', 'xn--7o8h.com', `sha512:${'f'.repeat(128)}`],
    ['foo_bar.com:8080', 'foo_bar.com', '', '8080'],
    ['foo/foo_bar.com:8080', 'foo/foo_bar.com', 'foo', '8080'],
    ['192.168.1.1', '192.168.1.1', ''],
    ['192.168.1.1:tag', '192.168.1.1', '', 'tag'],
    ['192.168.1.1:5000', '192.168.1.1', '', '5000'],
    ['192.168.1.1/repo', '192.168.1.1/repo', '192.168.1.1'],
    ['192.168.1.1:5000/repo', '192.168.1.1:5000/repo', '192.168.1.1:5000'],
    ['192.168.1.1:5000/repo:5050', '192.168.1.1:5000/repo', '192.168.1.1:5000', '5050'],
    ['[2001:db8::1]/repo', '[2001:db8::1]/repo', '[2001:db8::1]'],
    ['[2001:db8:1:2:3:4:5:6]/repo:tag', '[2001:db8:1:2:3:4:5:6]/repo', '[2001:db8:1:2:3:4:5:6]', 'tag'],
    ['[2001:db8::1]:5000/repo', '[2001:db8::1]:5000/repo', '[2001:db8::1]:5000'],
    [`[2001:db8::1]:5000/repo:tag@sha256:${F64}`, '[2001:db8::1]:5000/repo', '[2001:db8::1]:5000', 'tag', `sha256:${F64}`],
    ['[::1]:5000/repo', '[::1]:5000/repo', '[::1]:5000'],
  ];
  for (const [input, name, domain, tag, digest] of good) {
    const r = parseReference(input);
    t.equal(r.domain ? `${r.domain}/${r.path}` : r.path, name, `${input}: name`);
    t.equal(r.domain, domain, `${input}: domain`);
    t.equal(r.tag, tag, `${input}: tag`);
    t.equal(r.digest, digest, `${input}: digest`);
  }
  const bad: [string, RegExp][] = [
    ['', /must have at least one component/],
    [':justtag', /^invalid reference format$/],
    [`@sha256:${F64}`, /^invalid reference format$/],
    [`repo@sha256:${'f'.repeat(34)}`, /invalid checksum digest length/],
    [`validname@invaliddigest:${F64}`, /unsupported digest algorithm/],
    ['Uppercase:tag', /^invalid reference format: repository name must be lowercase$/],
    ['test:5000/Uppercase/lowercase:tag', /repository name must be lowercase/],
    [`${'a/'.repeat(128)}a:tag`, /^invalid reference format: repository name must not be more than 255 characters$/],
    ['aa/asdf$$^/aa', /^invalid reference format$/],
    ['[2001:db8::1]', /^invalid reference format$/],
    ['[2001:db8::1]:5000', /^invalid reference format$/],
    ['[2001:db8::1]:tag', /^invalid reference format$/],
    ['[fe80::1%eth0]:5000/repo', /^invalid reference format$/],
    ['[fe80::1%@invalidzone]:5000/repo', /^invalid reference format$/],
  ];
  for (const [input, message] of bad) t.throws(() => parseReference(input), { message, status: 125 }, `"${input}" refused`);
});

t.test('ParseNormalizedNamed: distribution/reference TestValidateReferenceName and TestValidateRemoteName', async (t) => {
  for (const name of [
    'docker/docker', 'library/debian', 'debian', 'docker.io/docker/docker', 'docker.io/library/debian', 'docker.io/debian',
    'index.docker.io/docker/docker', 'index.docker.io/library/debian', 'index.docker.io/debian', '127.0.0.1:5000/docker/docker',
    '127.0.0.1:5000/library/debian', '127.0.0.1:5000/debian', '192.168.0.1', '192.168.0.1:80', '192.168.0.1:8/debian',
    '192.168.0.2:25000/debian', 'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev', '[fc00::1]:5000/docker',
    '[fc00::1]:5000/docker/docker', '[fc00:1:2:3:4:5:6:7]:5000/library/debian',
    'docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a', 'Docker/docker', 'DOCKER/docker',
    'docker-rules/docker', 'docker---rules/docker', 'doc/docker', 'd/docker', 'jess/t', 'dock__er/docker',
  ])
    t.doesNotThrow(() => parseNormalizedNamed(name), `${name} is valid`);
  for (const name of [
    'https://github.com/docker/docker', 'docker/Docker', '-docker', '-docker/docker', '-docker.io/docker/docker', 'docker///docker',
    'docker.io/docker/Docker', 'docker.io/docker///docker', '[fc00::1]', '[fc00::1]:5000', 'fc00::1:5000/debian',
    '[fe80::1%eth0]:5000/debian', '[2001:db8:3:4::192.0.2.33]:5000/debian',
    '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a', 'docker-/docker', '-docker-/docker', '____/____',
    '_docker/_docker', 'dock..er/docker', 'dock_.er/docker', 'dock-.er/docker', 'docker/',
    `${'this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_'.repeat(4)}/docker`,
  ])
    t.throws(() => parseNormalizedNamed(name), { status: 125 }, `${name} is refused`);
});

t.test('domains and familiar names: distribution/reference TestParseRepositoryInfo, TestNormalizedSplitHostname', async (t) => {
  const cases: [string, string, string, string][] = [
    // input, domain, path, familiar name
    ['fooo/bar', 'docker.io', 'fooo/bar', 'fooo/bar'],
    ['index.docker.io/fooo/bar', 'docker.io', 'fooo/bar', 'fooo/bar'],
    ['ubuntu', 'docker.io', 'library/ubuntu', 'ubuntu'],
    ['library/ubuntu', 'docker.io', 'library/ubuntu', 'ubuntu'],
    ['docker.io/library/ubuntu', 'docker.io', 'library/ubuntu', 'ubuntu'],
    ['docker.io/foo', 'docker.io', 'library/foo', 'foo'],
    ['library/foo/bar', 'docker.io', 'library/foo/bar', 'library/foo/bar'],
    ['127.0.0.1:8000/private/moonbase', '127.0.0.1:8000', 'private/moonbase', '127.0.0.1:8000/private/moonbase'],
    ['example.com:8000/privatebasee', 'example.com:8000', 'privatebasee', 'example.com:8000/privatebasee'],
    ['Foo/bar', 'Foo', 'bar', 'Foo/bar'],
    ['test_com/foo', 'docker.io', 'test_com/foo', 'test_com/foo'],
    ['test-com:8080/foo', 'test-com:8080', 'foo', 'test-com:8080/foo'],
    ['xn--n3h.com:18080/foo', 'xn--n3h.com:18080', 'foo', 'xn--n3h.com:18080/foo'],
  ];
  for (const [input, domain, path, familiar] of cases) {
    const r = parseNormalizedNamed(input);
    t.same([r.domain, r.path, familiarName(r)], [domain, path, familiar], input);
  }
});

t.test("normalizeRef: the store's tag key; what docker refuses to tag", async (t) => {
  t.equal(normalizeRef('busybox'), 'busybox:latest');
  t.equal(normalizeRef('docker.io/library/busybox:1.36'), 'busybox:1.36', 'the familiar name, as docker lists it');
  t.equal(normalizeRef('localhost:5000/busybox'), 'localhost:5000/busybox:latest', 'a port is not a tag');
  t.throws(() => normalizeRef(`busybox@sha256:${F64}`), { message: /digest/ }, 'a digest is no tag');
  t.throws(() => normalizeRef('../x'), { message: 'invalid reference format', status: 125 });
  t.throws(() => normalizeRef('x'.repeat(300)), { message: /^invalid reference format: repository name must not be more than 255 characters$/ });
  t.throws(() => normalizeRef('UPPER'), { message: 'invalid reference format: repository name (library/UPPER) must be lowercase' });
  t.throws(() => normalizeRef(F64), { message: /cannot specify 64-byte hexadecimal strings/ });
  t.throws(() => normalizeRef(''), { message: /^invalid reference format/ }, "'' is docker.io/library/, which the grammar refuses");
});

t.test('checkAnyReference: ids, digests and names pass; the rest is refused', async (t) => {
  for (const ok of [F64, `sha256:${F64}`, 'busybox', 'busybox:1', 'sha256:abc', '3f2a', `busybox@sha256:${F64}`])
    t.doesNotThrow(() => checkAnyReference(ok), ok);
  for (const bad of ['', '../x', 'x'.repeat(300), 'a b', '-x', 'x:'])
    t.throws(() => checkAnyReference(bad), { message: /^invalid reference format/ }, JSON.stringify(bad));
});
