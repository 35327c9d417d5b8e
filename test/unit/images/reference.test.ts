import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeReference, parseReference, familiarName, parseImageId, formatReference } from '../../../src/images/reference.js';
import { isRuntimeError } from '../../../src/errors.js';

const D = 'a'.repeat(64);

test('normalises references as kubelet/crictl write them', () => {
  const table: [string, string][] = [
    ['busybox', 'docker.io/library/busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36'],
    ['library/busybox', 'docker.io/library/busybox:latest'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest'],
    ['index.docker.io/library/busybox:1', 'docker.io/library/busybox:1'],
    ['user/app:v2', 'docker.io/user/app:v2'],
    ['mcr.microsoft.com/windows/nanoserver:ltsc2022', 'mcr.microsoft.com/windows/nanoserver:ltsc2022'],
    ['localhost/app', 'localhost/app:latest'],
    ['localhost:5000/a/b/c:t', 'localhost:5000/a/b/c:t'],
    ['registry.local:5000/app', 'registry.local:5000/app:latest'],
    ['[::1]:5000/app:x', '[::1]:5000/app:x'],
    [`busybox@sha256:${D}`, `docker.io/library/busybox@sha256:${D}`],
    [`busybox:1@sha256:${D}`, `docker.io/library/busybox:1@sha256:${D}`],
    [`host:5000/r@sha256:${D}`, `host:5000/r@sha256:${D}`],
    ['a_b-c__e/f---g.h', 'docker.io/a_b-c__e/f---g.h:latest'],
    ['a.b/c', 'a.b/c:latest'],
  ];
  for (const [input, want] of table) assert.equal(normalizeReference(input), want, input);
});

test('rejects invalid references with clear messages', () => {
  const table: [string, RegExp][] = [
    ['', /empty/],
    [' busybox', /white space/],
    ['Busybox', /lowercase/],
    ['docker.io/Library/busybox', /lowercase/],
    ['busybox:', /tag "" is invalid/],
    ['busybox:-x', /tag "-x" is invalid/],
    ['busybox:' + 'a'.repeat(129), /tag/],
    ['busybox@sha256:abc', /64 hex/],
    [`busybox@sha256:${'A'.repeat(64)}`, /lower case/],
    [`busybox@md5:${'a'.repeat(32)}`, /unsupported digest algorithm/],
    ['bad_/x', /path component "bad_"/],
    ['host:port/x', /registry "host:port"/],
    ['-host.com/x', /registry/],
    [D, /image ID, not a repository/],
    ['a/' + 'b'.repeat(260), /longer than 255/],
    ['docker.io/', /repository path is empty/],
  ];
  for (const [input, re] of table) {
    assert.throws(() => parseReference(input), (e: unknown) => isRuntimeError(e, 'InvalidArgument') && re.test((e as Error).message) && (e as Error).message.includes('invalid image reference'), input);
  }
});

test('familiar names and parts', () => {
  assert.equal(familiarName(parseReference('docker.io/library/busybox:latest')), 'busybox:latest');
  assert.equal(familiarName(parseReference('docker.io/user/app:1')), 'user/app:1');
  assert.equal(familiarName(parseReference('quay.io/x/y')), 'quay.io/x/y');
  const r = parseReference('localhost:5000/ns/app:1');
  assert.deepEqual(r, { domain: 'localhost:5000', path: 'ns/app', tag: '1' });
  assert.equal(formatReference(parseReference('busybox')), 'docker.io/library/busybox');
});

test('image IDs', () => {
  assert.equal(parseImageId(`sha256:${D}`), `sha256:${D}`);
  assert.equal(parseImageId(D), `sha256:${D}`);
  assert.equal(parseImageId('abc'), undefined);
  assert.equal(parseImageId(`sha256:${D}0`), undefined);
  assert.equal(parseImageId('busybox'), undefined);
});
