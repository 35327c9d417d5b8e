import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdIndex, generateId } from '../../../src/runtime/ids.js';
import { NameRegistry, sandboxName, containerName } from '../../../src/runtime/names.js';
import { isRuntimeError } from '../../../src/errors.js';

test('generateId gives 64 lowercase hex characters, unique', () => {
  const ids = new Set(Array.from({ length: 1000 }, generateId));
  assert.equal(ids.size, 1000);
  for (const id of ids) assert.match(id, /^[0-9a-f]{64}$/);
});

test('IdIndex resolves exact IDs and unique prefixes', () => {
  const ix = new IdIndex();
  ix.add('abcdef01'.padEnd(64, '0'));
  ix.add('abcdef02'.padEnd(64, '0'));
  ix.add('123456'.padEnd(64, '9'));
  assert.equal(ix.resolve('1234'), '123456'.padEnd(64, '9'));
  assert.equal(ix.resolve('abcdef01'), 'abcdef01'.padEnd(64, '0'));
  assert.equal(ix.resolve('abcdef02'.padEnd(64, '0')), 'abcdef02'.padEnd(64, '0'));
  assert.equal(ix.resolve('ffff'), undefined);
  assert.throws(() => ix.resolve('abcdef'), (e) => isRuntimeError(e, 'InvalidArgument') && /ambiguous/.test(e.message));
  assert.throws(() => ix.resolve(''), (e) => isRuntimeError(e, 'InvalidArgument'));
  assert.throws(() => ix.mustResolve('ffff', 'container'), (e) => isRuntimeError(e, 'NotFound') && /container "ffff" not found/.test(e.message));
  ix.delete('abcdef02'.padEnd(64, '0'));
  assert.equal(ix.resolve('abcdef'), 'abcdef01'.padEnd(64, '0'));
});

test('NameRegistry reserves until released, and only the holder can release', () => {
  const n = new NameRegistry();
  n.reserve('a', 'id1', 'pod sandbox');
  n.reserve('a', 'id1', 'pod sandbox'); // same holder: fine
  assert.throws(() => n.reserve('a', 'id2', 'pod sandbox'), (e) => isRuntimeError(e, 'AlreadyExists') && /reserved for id1/.test(e.message));
  n.release('a', 'id2');
  assert.equal(n.holder('a'), 'id1');
  n.release('a', 'id1');
  n.reserve('a', 'id2', 'pod sandbox');
  assert.equal(n.holder('a'), 'id2');
});

test('names follow the containerd scheme', () => {
  const pod = { name: 'web', namespace: 'default', uid: 'u1', attempt: 2 };
  assert.equal(sandboxName(pod), 'web_default_u1_2');
  assert.equal(containerName({ name: 'app', attempt: 3 }, pod), 'app_web_default_u1_3');
});
