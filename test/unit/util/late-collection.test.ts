/**
 * The full collection a burst of polls put off (src/util/late-collection.ts): it runs once the process has stayed quiet
 * the delay longer, not after work, another burst or collection, waits for a call in flight, and a second arming
 * replaces the first. Through the process's idle collection too (idle-gc.ts): a burst of polls that grew V8's heap
 * by a few MiB, below the 8 MiB of an immediate compaction, has one a few seconds later.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LateCollection } from '../../../src/util/late-collection.js';

function harness() {
  const timers: { fn: () => void; ms: number }[] = [];
  const s = { collections: 1, busy: false, inFlight: false, collected: 0 };
  const late = new LateCollection(3000, 1000, {
    setTimer: (fn, ms) => { timers.push({ fn, ms }); },
    collections: () => s.collections, busy: () => s.busy, inFlight: () => s.inFlight, collect: () => { s.collected++; },
  });
  const fire = () => { const t = timers.shift(); assert.ok(t, 'a timer is pending'); t.fn(); return t.ms; };
  return { late, s, timers, fire };
}

test('a quiet process collects once, the delay after the arming', () => {
  const h = harness();
  h.late.arm();
  assert.equal(h.fire(), 3000);
  assert.equal(h.s.collected, 1);
  assert.equal(h.late.ran, 1);
  assert.equal(h.timers.length, 0);
});

test('work or a burst since (a check pending) or another collection since: no late collection', () => {
  const h = harness();
  h.late.arm();
  h.s.busy = true;
  h.fire();
  h.s.busy = false;
  h.late.arm();
  h.s.collections++;
  h.fire();
  assert.equal(h.s.collected, 0);
  assert.equal(h.timers.length, 0);
});

test('a call in flight puts it off by the retry period; arming again replaces the pending one', () => {
  const h = harness();
  h.late.arm();
  h.s.inFlight = true;
  h.fire();
  assert.equal(h.s.collected, 0);
  h.s.inFlight = false;
  assert.equal(h.fire(), 1000);
  assert.equal(h.s.collected, 1);
  h.late.arm();
  h.late.arm();
  h.fire(); // the first arming's timer: replaced
  assert.equal(h.s.collected, 1);
  h.fire();
  assert.equal(h.s.collected, 2);
});

test('through idle-gc: a burst of polls that grew the heap a few MiB has a full GC a few seconds after its quiet spell', () => {
  const mod = fileURLToPath(new URL('../../../src/util/idle-gc.js', import.meta.url));
  // Polls while ~4 MiB of objects are held (with wincri's 1 MiB semi-spaces V8's committed heap grows 2-8 MiB),
  // dropped before the quiet spell: the spell's collection leaves the compaction out (below 8 MiB), the late full
  // GC runs LATE_MS (3 s) after it (not a forced compaction: idleGcCompactions stays 0). Waits on conditions, with
  // generous deadlines.
  const script = `import('${mod}').then(async (m) => {
    const wait = async (f) => { const end = Date.now() + 20000; while (!f() && Date.now() < end) await new Promise((r) => setTimeout(r, 50)); };
    const v8 = await import('node:v8');
    for (let i = 0; i < 40; i++) m.pollIdleGc(); // the process's collector starts here, measuring from this heap
    const before = v8.getHeapStatistics().total_heap_size;
    let held = Array.from({ length: 20000 }, (_, i) => ({ i, s: 'x'.repeat(64) + i }));
    for (let i = 0; i < 40; i++) m.pollIdleGc();
    const grown = v8.getHeapStatistics().total_heap_size - before;
    held = null;
    await wait(() => m.idleGcCollections() >= 1);
    const atSpell = m.idleGcCompactions();
    await wait(() => m.idleGcLateCollections() >= 1);
    console.log(JSON.stringify({ grown: grown > 2 * 1048576 && grown < 8 * 1048576, atSpell, late: m.idleGcLateCollections(), compactions: m.idleGcCompactions() }));
  })`;
  const r = spawnSync(process.execPath, ['--max-semi-space-size=1', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  const out = JSON.parse(r.stdout.trim() || '{}') as { grown?: boolean; atSpell?: number; late?: number; compactions?: number };
  assert.equal(out.grown, true, `the burst grew the heap 2-8 MiB (test set-up) ${r.stderr}`);
  assert.deepEqual(out, { grown: true, atSpell: 0, late: 1, compactions: 0 }, r.stderr);
});
