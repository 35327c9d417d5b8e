import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { trimNativeHeap } from '../../../src/util/native-trim.js';
import { v8Gc, compactOnce, pollsWorthCompacting } from '../../../src/util/idle-gc.js';
import { heapRssKiB, onGlibc } from '../../helpers/heap-rss.js';

test('trimNativeHeap gives freed C-heap pages between live allocations back to the system', { skip: !onGlibc && 'glibc only' }, async () => {
  // 6 000 native allocations of 12 KiB (below glibc's mmap threshold: they come from the heap), every 20th kept,
  // so the freed ones are holes that glibc's automatic top-of-heap trim cannot return.
  let bufs: (Buffer | null)[] = Array.from({ length: 6000 }, () => Buffer.alloc(12 * 1024, 1));
  const kept = bufs.filter((_, i) => i % 20 === 0);
  bufs = [];
  const gc = v8Gc()!;
  for (let i = 0; i < 3; i++) { await gc(); await new Promise((r) => setTimeout(r, 50)); }
  const before = heapRssKiB();
  assert.equal(trimNativeHeap(), true);
  const after = heapRssKiB();
  assert.equal(kept.length, 300);
  assert.ok(before - after > 20 * 1024, `[heap] RSS ${before} KiB → ${after} KiB: the holes (~66 MiB) were not given back`);
});

test('the idle collection (compactOnce) frees native memory and trims it', { skip: !onGlibc && 'glibc only' }, async () => {
  let bufs: Buffer[] | null = Array.from({ length: 6000 }, () => Buffer.alloc(12 * 1024, 1));
  const kept = bufs.filter((_, i) => i % 20 === 0);
  bufs = null;
  const before = heapRssKiB();
  await compactOnce(v8Gc()!);
  const after = heapRssKiB();
  assert.equal(kept.length, 300);
  assert.ok(before - after > 20 * 1024, `[heap] RSS ${before} KiB → ${after} KiB after the idle collection`);
});

test('a burst of polls alone is followed by one idle collection: the native releases, no full GC below 8 MiB of growth', () => {
  const mod = fileURLToPath(new URL('../../../src/util/idle-gc.js', import.meta.url));
  // Waits for each collection (the quiet period is one to two seconds), up to a generous deadline, then a little
  // more to see that it stays one. Neither burst grows V8's heap by 8 MiB: no compacting GC. Then a work spell
  // compacts.
  const script = `import('${mod}').then(async (m) => {
    const burst = async (n, work) => { if (work) m.touchIdleGc(); else for (let i = 0; i < 40; i++) m.pollIdleGc();
      const end = Date.now() + 15000; while (m.idleGcCollections() < n && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 300)); return m.idleGcCollections() + ' ' + m.idleGcCompactions(); };
    console.log(await burst(1)); console.log(await burst(2)); console.log(await burst(3, true)); })`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.deepEqual(r.stdout.trim().split('\n'), ['1 0', '2 0', '3 1'], r.stderr);
});

test('after polls alone, a full collection waits until the heap has grown 8 MiB since the last one', () => {
  const MiB = 1024 * 1024;
  assert.equal(pollsWorthCompacting(20 * MiB, 17 * MiB), false);
  assert.equal(pollsWorthCompacting(25 * MiB, 17 * MiB), true);
});
