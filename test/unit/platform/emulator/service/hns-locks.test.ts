/** HNS change ordering (hns-locks.ts): network changes alone, one object's changes in order, others side by side. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HnsLocks } from '../../../../../src/platform/emulator/service/hns-locks.js';

/** A change that runs until released, recording when it started and ended. */
function gate(log: string[], name: string): { f: () => Promise<string>; release: () => void; started: Promise<void> } {
  let release!: () => void;
  let started!: () => void;
  const s = new Promise<void>((r) => { started = r; });
  const done = new Promise<void>((r) => { release = r; });
  return { f: async () => { log.push(`${name}+`); started(); await done; log.push(`${name}-`); return name; }, release, started: s };
}
const tick = () => new Promise((r) => setImmediate(r));

test('hns locks: changes of different objects run side by side; one object\'s changes run in order', async () => {
  const l = new HnsLocks();
  const log: string[] = [];
  const a1 = gate(log, 'a1');
  const b1 = gate(log, 'b1');
  const a2 = gate(log, 'a2');
  const pa1 = l.shared(['ns:a'], a1.f);
  const pb1 = l.shared(['ns:b'], b1.f);
  const pa2 = l.shared(['ep:x', 'ns:a'], a2.f);
  await Promise.all([a1.started, b1.started]);
  await tick();
  assert.deepEqual(log, ['a1+', 'b1+'], 'a2 waits for a1; b1 does not');
  a1.release();
  await a2.started;
  b1.release();
  a2.release();
  assert.deepEqual(await Promise.all([pa1, pb1, pa2]), ['a1', 'b1', 'a2']);
  assert.deepEqual(log.slice(0, 4), ['a1+', 'b1+', 'a1-', 'a2+']);
});

test('hns locks: a network change waits for everything before it and holds back everything after it', async () => {
  const l = new HnsLocks();
  const log: string[] = [];
  const a = gate(log, 'a');
  const net = gate(log, 'net');
  const b = gate(log, 'b');
  const pa = l.shared(['ep:a'], a.f);
  const pn = l.exclusive(net.f);
  const pb = l.shared(['ep:b'], b.f);
  await a.started;
  await tick();
  assert.deepEqual(log, ['a+']);
  a.release();
  await net.started;
  await tick();
  assert.deepEqual(log, ['a+', 'a-', 'net+']);
  net.release();
  await b.started;
  b.release();
  await Promise.all([pa, pn, pb]);
  assert.deepEqual(log, ['a+', 'a-', 'net+', 'net-', 'b+', 'b-']);
});

test('hns locks: a failed change does not block the ones after it', async () => {
  const l = new HnsLocks();
  await assert.rejects(l.shared(['ns:a'], async () => { throw new Error('boom'); }), /boom/);
  assert.equal(await l.shared(['ns:a'], async () => 'next'), 'next');
  await assert.rejects(l.exclusive(async () => { throw new Error('net'); }), /net/);
  assert.equal(await l.exclusive(async () => 'again'), 'again');
});
