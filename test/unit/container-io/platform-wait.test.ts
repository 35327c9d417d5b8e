/**
 * PlatformWait (the time a keeper start reports as platform): only spans with a platform call pending and none of
 * the keeper's own I/O count; calls that throw synchronously or reject still end their span; the figure travels
 * with a failed start's error over the wire. A hand-driven clock makes every figure exact.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PlatformWait, withPlatformSeconds } from '../../../src/container-io/platform-wait.js';
import { KeeperError, fromWireError, toWireError } from '../../../src/container-io/protocol.js';
import { PlatformError } from '../../../src/platform/hresult.js';

function manual(): { now: () => bigint; advance(seconds: number): void } {
  let t = 0n;
  return { now: () => t, advance: (s) => { t += BigInt(Math.round(s * 1e9)); } };
}

function gate(): { promise: Promise<void>; open(): void; fail(e: Error): void } {
  let open!: () => void;
  let fail!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => { open = res; fail = rej; });
  return { promise, open, fail };
}

test('platform alone counts; the keeper\'s own I/O overlapping a platform call does not', async () => {
  const clock = manual();
  const w = new PlatformWait(clock.now);
  clock.advance(1); // nothing pending
  const sys = gate();
  const log = gate();
  const opening = w.time('platform', () => sys.promise);
  const logOpen = w.time('own', () => log.promise);
  clock.advance(2); // both pending: the keeper's
  log.open();
  await logOpen;
  clock.advance(3); // platform alone
  sys.open();
  await opening;
  clock.advance(4); // nothing pending
  assert.equal(w.seconds, 3);
  // Two platform calls overlapping count once; own I/O alone never counts.
  const a = gate();
  const b = gate();
  const pa = w.time('platform', () => a.promise);
  const pb = w.time('platform', () => b.promise);
  clock.advance(5);
  a.open();
  await pa;
  clock.advance(1);
  b.open();
  await pb;
  const rec = gate();
  const pr = w.time('own', () => rec.promise);
  clock.advance(7);
  rec.open();
  await pr;
  assert.equal(w.seconds, 9);
});

test('a platform call that rejects or throws at once still ends its span', async () => {
  const clock = manual();
  const w = new PlatformWait(clock.now);
  const g = gate();
  const p = w.time('platform', () => g.promise);
  clock.advance(2);
  g.fail(new Error('HCS says no'));
  await assert.rejects(p, /HCS says no/);
  assert.throws(() => w.time('platform', () => { throw new Error('sync'); }), /sync/);
  clock.advance(5);
  assert.equal(w.seconds, 2);
});

test('a failed start\'s platform time travels with its error over the wire', () => {
  const k = fromWireError(toWireError(withPlatformSeconds(new KeeperError('NotFound', 'no system'), 1.5)));
  assert.ok(k instanceof KeeperError);
  assert.equal((k as { platformSeconds?: number }).platformSeconds, 1.5);
  const p = fromWireError(toWireError(withPlatformSeconds(new PlatformError(0x80370100, 'HcsCreateProcess'), 0.25)));
  assert.ok(p instanceof PlatformError);
  assert.equal((p as { platformSeconds?: number }).platformSeconds, 0.25);
  const plain = fromWireError(toWireError(new KeeperError('Internal', 'x')));
  assert.equal((plain as { platformSeconds?: number }).platformSeconds, undefined, 'none reported, none invented');
  assert.equal(withPlatformSeconds('not an error', 2), 'not an error');
});
