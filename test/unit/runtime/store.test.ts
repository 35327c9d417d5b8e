import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordStore } from '../../../src/runtime/store.js';

test('RecordStore persists, reloads, deletes and drops interrupted writes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'store-'));
  try {
    const s = await RecordStore.open<{ id: string; n: number }>(dir);
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.save({ id: 'a', n: i })));
    await s.save({ id: 'b', n: 1 });
    assert.equal(JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8')).n, 19, 'last write wins on disk');
    writeFileSync(join(dir, '.c.json.123.tmp'), '{"id":"c"'); // a crash mid-write leaves only a temp file
    writeFileSync(join(dir, 'broken.json'), '{not json');
    const r = await RecordStore.open<{ id: string; n: number }>(dir);
    assert.deepEqual(r.list().map((x) => x.id).sort(), ['a', 'b']);
    assert.equal(r.get('a')!.n, 19);
    assert.ok(!readdirSync(dir).some((f) => f.endsWith('.tmp')));
    await r.delete('a');
    await r.delete('a');
    const again = await RecordStore.open<{ id: string; n: number }>(dir);
    assert.deepEqual(again.list().map((x) => x.id), ['b']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('RecordStore.flush waits for writes nobody awaited (a started container\'s record)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'store-'));
  try {
    const s = await RecordStore.open<{ id: string; n: number }>(dir);
    for (let i = 0; i < 5; i++) void s.save({ id: 'a', n: i });
    void s.save({ id: 'b', n: 7 });
    await s.flush();
    assert.equal(JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8')).n, 4);
    assert.equal(JSON.parse(readFileSync(join(dir, 'b.json'), 'utf8')).n, 7);
    await s.flush(); // nothing pending: resolves at once
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
