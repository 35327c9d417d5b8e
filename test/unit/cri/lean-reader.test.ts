/** The lean path's request framing (src/cri/lean/reader.ts) and grpc-timeout reading (timeout.ts), against grpc-js's rules. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UnaryReader } from '../../../src/cri/lean/reader.js';
import { parseGrpcTimeout } from '../../../src/cri/lean/timeout.js';

const msg = (body: string, flag = 0): Buffer => {
  const b = Buffer.from(body);
  const p = Buffer.alloc(5);
  p[0] = flag;
  p.writeUInt32BE(b.length, 1);
  return Buffer.concat([p, b]);
};

test('messages: whole, split at every offset, empty, several, partial; the first body kept', () => {
  const two = Buffer.concat([msg('hello'), msg('', 1), msg('x')]);
  for (let i = 0; i <= two.length; i++) {
    for (let j = i; j <= two.length; j++) {
      const r = new UnaryReader(-1);
      r.push(two.subarray(0, i));
      r.push(two.subarray(i, j));
      r.push(two.subarray(j));
      assert.equal(r.count, 3, `split at ${i}, ${j}`);
      assert.equal(r.first?.toString(), 'hello');
    }
  }
  const partial = new UnaryReader(-1);
  partial.push(msg('abc').subarray(0, 7));
  assert.equal(partial.count, 0);
  assert.equal(partial.first, undefined);
  const empty = new UnaryReader(-1);
  empty.push(msg(''));
  assert.equal(empty.count, 1);
  assert.equal(empty.first?.length, 0);
});

test('a body over the limit is refused with grpc-js message as soon as its prefix is read', () => {
  const r = new UnaryReader(4);
  r.push(msg('four'));
  assert.equal(r.count, 1);
  const over = new UnaryReader(4);
  assert.throws(() => over.push(msg('fives').subarray(0, 5)), { message: 'Received message larger than max (5 vs 4)' });
});

test('grpc-timeout: units, whitespace, the first match, invalid values', () => {
  assert.equal(parseGrpcTimeout('10S'), 10_000);
  assert.equal(parseGrpcTimeout('2H'), 7_200_000);
  assert.equal(parseGrpcTimeout('3M'), 180_000);
  assert.equal(parseGrpcTimeout('250m'), 250);
  assert.equal(parseGrpcTimeout('1500u'), 1);
  assert.equal(parseGrpcTimeout('999999n'), 0);
  assert.equal(parseGrpcTimeout('7 S'), 7000);
  assert.equal(parseGrpcTimeout('x12mS'), 12);
  assert.equal(parseGrpcTimeout('99999999H'), (99999999 * 3_600_000) | 0);
  assert.equal(parseGrpcTimeout('soon'), undefined);
  assert.equal(parseGrpcTimeout('10'), undefined);
});
