import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdleTrim } from '../../../src/util/idle-trim.js';

/** A manual timer queue: the test decides when each armed check fires. */
function harness() {
  const timers: { fn: () => void; ms: number }[] = [];
  let collected = 0;
  const kinds: boolean[] = [];
  let clock = 0;
  const trim = new IdleTrim(1000, { collect: (afterWork) => { collected++; kinds.push(afterWork); }, setTimer: (fn, ms) => { timers.push({ fn, ms }); }, now: () => clock });
  // A check fires one period after it was armed: the clock moves with it.
  const fire = () => { const t = timers.shift(); assert.ok(t, 'a check is armed'); clock += t.ms; t.fn(); };
  // Fires checks until none is armed (a burst of polls defers the collection for its period and the next).
  const settle = () => { while (timers.length) fire(); };
  return { trim, timers, fire, settle, kinds, collected: () => collected, advance: (ms: number) => { clock += ms; } };
}

test('an idle process has no timer and never collects', () => {
  const h = harness();
  assert.equal(h.timers.length, 0);
  assert.equal(h.collected(), 0);
});

test('after activity stops, one collection, then no timer is left', () => {
  const h = harness();
  h.trim.touch();
  assert.equal(h.timers.length, 1);
  assert.equal(h.timers[0]!.ms, 1000);
  h.fire(); // touched since arming: still busy, re-armed
  assert.equal(h.collected(), 0);
  assert.equal(h.timers.length, 1);
  h.fire(); // a whole period without a touch: collect and disarm
  assert.equal(h.collected(), 1);
  assert.equal(h.timers.length, 0);
  assert.equal(h.trim.collections, 1);
});

test('many touches arm one timer; a process that stays busy never collects', () => {
  const h = harness();
  for (let period = 0; period < 20; period++) {
    for (let i = 0; i < 100; i++) h.trim.touch();
    assert.equal(h.timers.length, 1);
    h.fire();
  }
  assert.equal(h.collected(), 0);
});

test('each quiet spell after activity collects once', () => {
  const h = harness();
  for (let burst = 1; burst <= 3; burst++) {
    h.trim.touch();
    h.fire();
    h.fire();
    assert.equal(h.collected(), burst);
    assert.equal(h.timers.length, 0);
  }
});

test('polls at kubelet\'s pace arm no check and never collect', () => {
  const h = harness();
  for (let s = 0; s < 1000; s++) {
    for (let i = 0; i < 20; i++) h.trim.poll();
    h.advance(1000);
  }
  assert.equal(h.timers.length, 0);
  assert.equal(h.collected(), 0);
});

test('a burst of polls alone is work: one collection once it stops, none during it', () => {
  const h = harness();
  for (let i = 0; i < 5000; i++) h.trim.poll();
  assert.equal(h.timers.length, 1);
  for (let period = 0; period < 3; period++) {
    for (let i = 0; i < 100; i++) h.trim.poll();
    h.fire();
  }
  assert.equal(h.collected(), 0);
  h.fire(); // the polls stopped; the period after a burst still counts as busy
  assert.equal(h.collected(), 0);
  h.fire();
  assert.equal(h.collected(), 1);
  assert.equal(h.timers.length, 0);
});

test('a few polls per period do not delay the collection; a burst of polls does', () => {
  const h = harness();
  h.trim.touch();
  h.fire();
  for (let i = 0; i < 20; i++) h.trim.poll(); // kubelet's relist pace: still quiet
  h.fire();
  assert.equal(h.collected(), 1);
  h.trim.touch();
  h.fire();
  for (let i = 0; i < 21; i++) h.trim.poll(); // a relist loop right after the work: wait it out
  h.fire();
  assert.equal(h.collected(), 1);
  assert.equal(h.timers.length, 1);
  h.fire(); // the polls stopped: a burst of polls counts for the period after it too
  assert.equal(h.collected(), 1);
  h.fire();
  assert.equal(h.collected(), 2);
});

test('no collection while work is in flight; its end counts as work', () => {
  const h = harness();
  h.trim.workBegan();
  for (let i = 0; i < 5; i++) h.fire(); // a long stream with nothing else going on
  assert.equal(h.collected(), 0);
  h.trim.workEnded();
  h.fire();
  assert.equal(h.collected(), 0);
  h.fire();
  assert.equal(h.collected(), 1);
  assert.equal(h.timers.length, 0);
});

test('each collection says whether its quiet spell follows work or a burst of polls', () => {
  const h = harness();
  h.trim.touch();
  h.settle(); // after work
  for (let i = 0; i < 100; i++) h.trim.poll();
  h.settle(); // after a burst of polls alone
  for (let i = 0; i < 100; i++) h.trim.poll();
  h.trim.touch();
  h.settle(); // polls, then work
  h.trim.touch();
  for (let i = 0; i < 100; i++) h.trim.poll();
  h.settle(); // work, then polls: the spell follows the polls
  h.trim.workBegan();
  h.trim.workEnded();
  h.settle(); // a stream
  assert.deepEqual(h.kinds, [true, false, true, false, true]);
});

/** Timers that fire at their due time as the clock is moved on (at: fires every check due by then, in order). */
function clocked() {
  let clock = 0;
  let collected = 0;
  const timers: { fn: () => void; due: number }[] = [];
  const trim = new IdleTrim(1000, { collect: () => { collected++; }, setTimer: (fn, ms) => { timers.push({ fn, due: clock + ms }); }, now: () => clock });
  const at = (t: number) => {
    for (let next = timers.sort((a, b) => a.due - b.due)[0]; next && next.due <= t; next = timers.sort((a, b) => a.due - b.due)[0]) {
      timers.shift();
      clock = next.due;
      next.fn();
    }
    clock = t;
  };
  return { trim, at, timers, collected: () => collected };
}

test('a burst of polls that comes in blocks is not interrupted by a collection', () => {
  // A client alternating between two runtimes: 15 polls every 600 ms (25 a second). The per-second poll windows
  // reach their 21st poll every 1200 ms, so some check periods hold no window's 21st poll although they hold 30 polls.
  const h = clocked();
  for (let t = 0; t < 20_000; t += 600) {
    h.at(t);
    for (let i = 0; i < 15; i++) h.trim.poll();
  }
  assert.equal(h.collected(), 0);
  h.at(23_000); // the polls stopped
  assert.equal(h.collected(), 1);
  assert.equal(h.timers.length, 0);
});

test('a call in flight that is no work defers the collection; its end restarts the quiet period but arms nothing', () => {
  const h = harness();
  h.trim.callBegan();
  assert.equal(h.timers.length, 0, 'a poll-like call alone arms no check');
  h.trim.touch();
  for (let i = 0; i < 5; i++) h.fire();
  assert.equal(h.collected(), 0, 'no collection while the call is in flight');
  h.trim.callEnded();
  h.fire(); // ended during this period: not quiet yet
  assert.equal(h.collected(), 0);
  h.fire();
  assert.equal(h.collected(), 1);
  h.trim.callBegan();
  h.trim.callEnded();
  assert.equal(h.timers.length, 0, 'ending with no check pending arms none');
  h.trim.touch();
  h.fire();
  h.fire();
  assert.equal(h.collected(), 2);
});
