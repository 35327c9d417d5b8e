import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BusyTrim, type BusyTrimLimits } from '../../../src/util/busy-trim.js';
import { trimNativeHeapOffThread } from '../../../src/util/native-trim.js';
import { createBusyTrim } from '../../../src/util/busy-native.js';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { v8Gc } from '../../../src/util/idle-gc.js';
import { heapRssKiB, onGlibc } from '../../helpers/heap-rss.js';

const MiB = 1024 * 1024;
const LIMITS: BusyTrimLimits = { growthBytes: 4 * MiB, minIntervalMs: 30_000, checkEveryMs: 2_000 };

/**
 * A mocked process: a clock the test moves, native memory the test sets (a trim gives back what was freed since
 * the last), a deferred queue the test runs and trims that settle when the test says so.
 */
function harness() {
  let clock = 0;
  let native = 10 * MiB;
  let floor = 10 * MiB; // what stays resident after a trim
  const deferred: (() => void)[] = [];
  const running: (() => void)[] = [];
  const trimsAt: number[] = [];
  const timers: { fn: () => void; at: number }[] = [];
  let reads = 0;
  let nows = 0;
  const busy = new BusyTrim({
    now: () => { nows++; return clock; },
    nativeBytes: () => { reads++; return native; },
    trim: () => new Promise<void>((resolve) => { trimsAt.push(clock); running.push(() => { native = floor; resolve(); }); }),
    defer: (fn) => { deferred.push(fn); },
    setTimer: (fn, ms) => { timers.push({ fn, at: clock + ms }); },
  }, LIMITS);
  const flush = async () => {
    while (deferred.length || running.length) {
      while (deferred.length) deferred.shift()!();
      while (running.length) running.shift()!();
      await new Promise((r) => setImmediate(r));
    }
  };
  return {
    busy, deferred, running, trimsAt, timers, flush, reads: () => reads, nows: () => nows,
    /** Moves the clock on; the timers due by then fire. */
    advance: (ms: number) => {
      clock += ms;
      for (let i = timers.findIndex((t) => t.at <= clock); i >= 0; i = timers.findIndex((t) => t.at <= clock)) timers.splice(i, 1)[0]!.fn();
    },
    grow: (bytes: number) => { native += bytes; },
    setFloor: (bytes: number) => { floor = bytes; },
  };
}

test('under sustained work whose C heap keeps growing, it trims, and never twice within the minimum interval', async () => {
  const h = harness();
  // 10 minutes of work ending every 50 ms; the native memory grows 1 MiB every 5 s (12 MiB a minute).
  for (let ms = 0; ms < 600_000; ms += 50) {
    if (ms % 5000 === 0) h.grow(MiB);
    h.busy.afterWork();
    await h.flush();
    h.advance(50);
  }
  assert.ok(h.trimsAt.length >= 15, `trims at ${h.trimsAt.join(', ')}`);
  assert.ok(h.trimsAt.length <= 600_000 / LIMITS.minIntervalMs, `trims at ${h.trimsAt.join(', ')}`);
  for (let i = 1; i < h.trimsAt.length; i++) assert.ok(h.trimsAt[i]! - h.trimsAt[i - 1]! >= LIMITS.minIntervalMs, `trims at ${h.trimsAt.join(', ')}`);
  assert.equal(h.busy.trims, h.trimsAt.length);
});

test('memory is read at most once per check period, however much work ends', async () => {
  const h = harness();
  for (let ms = 0; ms < 60_000; ms += 10) { h.busy.afterWork(); h.advance(10); }
  assert.equal(h.reads(), 60_000 / LIMITS.checkEveryMs);
});

test('between checks a work end reads neither clock nor memory; one timer per check, none left once work stops', () => {
  const h = harness();
  for (let ms = 0; ms < 9_000; ms += 1) { h.busy.afterWork(); h.advance(1); } // checks at 0, 2 000, … 8 000
  assert.equal(h.nows(), 5, 'the clock is read at the checks only');
  assert.equal(h.reads(), 5);
  assert.equal(h.timers.length, 1, 'the last check\'s timer');
  h.advance(LIMITS.checkEveryMs);
  assert.equal(h.timers.length, 0, 'an idle process keeps no timer');
  h.advance(60_000);
  assert.equal(h.nows(), 5);
});

test('no growth, no trim: a busy process whose native memory stays level is left alone', async () => {
  const h = harness();
  for (let ms = 0; ms < 600_000; ms += 100) {
    if (ms % 3000 === 0) h.grow(3 * MiB); // a sawtooth below the growth bound, out of step with the checks
    if (ms % 3000 === 1500) h.grow(-3 * MiB);
    h.busy.afterWork();
    await h.flush();
    h.advance(100);
  }
  assert.deepEqual(h.trimsAt, []);
});

test('the trim runs after the work that ended, never inside it, and one at a time', async () => {
  const h = harness();
  h.busy.afterWork(); // the first check sets the low mark
  h.grow(8 * MiB);
  h.advance(LIMITS.minIntervalMs);
  h.busy.afterWork();
  assert.equal(h.trimsAt.length, 0, 'not started inside afterWork');
  assert.equal(h.deferred.length, 1);
  h.deferred.shift()!();
  assert.equal(h.trimsAt.length, 1);
  // While it runs (on a pool thread in the process), more growth starts no second one.
  h.grow(8 * MiB);
  for (let i = 0; i < 3; i++) { h.advance(LIMITS.minIntervalMs); h.busy.afterWork(); }
  assert.equal(h.deferred.length, 0);
  await h.flush();
  assert.equal(h.trimsAt.length, 1);
});

test('growth a trim cannot return costs one trim, then is the new low mark', async () => {
  const h = harness();
  h.busy.afterWork();
  h.setFloor(30 * MiB); // e.g. code paged in: still resident after the trim
  h.grow(20 * MiB);
  for (let ms = 0; ms < 600_000; ms += 1000) { h.busy.afterWork(); await h.flush(); h.advance(1000); }
  assert.equal(h.trimsAt.length, 1);
});

test('an idle collection\'s trim counts: no busy trim follows within the interval', async () => {
  const h = harness();
  h.busy.afterWork();
  h.grow(8 * MiB);
  h.advance(LIMITS.checkEveryMs);
  h.busy.trimmed(); // the quiet spell trimmed; memory is now the low mark
  h.grow(5 * MiB);
  for (let i = 0; i < 10; i++) { h.advance(LIMITS.checkEveryMs); h.busy.afterWork(); await h.flush(); }
  assert.deepEqual(h.trimsAt, []);
  h.advance(LIMITS.minIntervalMs);
  h.busy.afterWork();
  await h.flush();
  assert.equal(h.trimsAt.length, 1);
});

test('memory that cannot be read skips the check and never throws into the work; a failing trim still ends', async () => {
  let fail = true;
  let clock = 0;
  let native = 10 * MiB;
  let trims = 0;
  const deferred: (() => void)[] = [];
  const timers: (() => void)[] = []; // each check's timer: fired below whenever the clock moves a check period on
  const busy = new BusyTrim({
    now: () => clock,
    nativeBytes: () => { if (fail) throw new Error('EMFILE: too many open files, uv_resident_set_memory'); return native; },
    trim: () => { trims++; throw new Error('koffi refused'); },
    defer: (fn) => { deferred.push(fn); },
    setTimer: (fn) => { timers.push(fn); },
  }, LIMITS);
  const tick = (ms: number) => { clock += ms; for (const fn of timers.splice(0)) fn(); };
  for (let i = 0; i < 5; i++) { tick(LIMITS.checkEveryMs); assert.doesNotThrow(() => busy.afterWork()); }
  assert.doesNotThrow(() => busy.trimmed());
  assert.equal(deferred.length, 0);
  fail = false;
  tick(LIMITS.minIntervalMs);
  busy.afterWork(); // the low mark
  native += 5 * MiB;
  tick(LIMITS.checkEveryMs);
  busy.afterWork();
  assert.equal(deferred.length, 1);
  assert.equal(busy.running, true);
  assert.doesNotThrow(() => deferred.shift()!());
  await new Promise((r) => setImmediate(r));
  assert.equal(trims, 1);
  assert.equal(busy.running, false, 'a trim that threw still ends');
});

test('the off-thread trim gives freed C-heap pages back', { skip: !onGlibc && 'glibc only' }, async () => {
  // Holes between live allocations (see native-trim.test.ts): only a trim returns them.
  let bufs: Buffer[] | null = Array.from({ length: 6000 }, () => Buffer.alloc(12 * 1024, 1));
  const kept = bufs.filter((_, i) => i % 20 === 0);
  bufs = null;
  const gc = v8Gc()!;
  for (let i = 0; i < 3; i++) { await gc(); await new Promise((r) => setTimeout(r, 50)); }
  const before = heapRssKiB();
  const trimmed = trimNativeHeapOffThread();
  assert.ok(trimmed, 'available with glibc');
  assert.equal(await trimmed, true);
  const after = heapRssKiB();
  assert.equal(kept.length, 300);
  assert.ok(before - after > 20 * 1024, `[heap] RSS ${before} KiB → ${after} KiB: the holes (~66 MiB) were not given back`);
});

test('WINCRI_BUSY_TRIM=0 switches the busy trim off, and only "0" does', { skip: !onGlibc && 'glibc only' }, () => {
  assert.equal(createBusyTrim({ WINCRI_BUSY_TRIM: '0' }), null);
  assert.ok(createBusyTrim({}) instanceof BusyTrim);
  assert.ok(createBusyTrim({ WINCRI_BUSY_TRIM: '1' }) instanceof BusyTrim);
});

test('a process that leaves the busy trim out (the daemon, the IO keeper) has none; any other has one', { skip: !onGlibc && 'glibc only' }, () => {
  const mod = fileURLToPath(new URL('../../../src/util/idle-gc.js', import.meta.url));
  const env = { ...process.env };
  delete env.WINCRI_BUSY_TRIM;
  const run = (first: string) => spawnSync(process.execPath, ['-e', `import('${mod}').then((m) => { ${first} m.touchIdleGc(); console.log(m.busyTrimming()); })`], { encoding: 'utf8', env, timeout: 60_000 }).stdout.trim();
  assert.equal(run(''), 'true');
  assert.equal(run('m.configureIdleGc({ busyTrim: () => null });'), 'false');
});
