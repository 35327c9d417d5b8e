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

type Rec = { id: string; n: number };

test('RecordStore: a record deleted while its writes run, then saved again by a holder of it, stays deleted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'store-'));
  try {
    const s = await RecordStore.open<Rec>(dir);
    const c: Rec = { id: 'c', n: 0 };
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 10; i++) { c.n = i; writes.push(s.save(c)); } // a container's record, written often
    const removed = s.delete('c'); // RemoveContainer, while those writes are on their way to disk
    c.n = 99;
    const late = s.save(c); // an exit or a stop still holding the record saves it after the delete
    await Promise.all([...writes, removed, late]);
    await s.flush();
    assert.equal(s.get('c'), undefined, 'not re-added in memory');
    assert.ok(!readdirSync(dir).some((f) => f.startsWith('c.json') || f.startsWith('.c.json')), `no file or temp file left: ${readdirSync(dir).join(', ')}`);
    const reopened = await RecordStore.open<Rec>(dir);
    assert.equal(reopened.get('c'), undefined, 'no ghost after a restart');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('RecordStore: writes and a delete of one record end as called, not as they finish', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'store-'));
  try {
    const s = await RecordStore.open<Rec>(dir);
    for (let round = 0; round < 20; round++) {
      const id = `r${round}`;
      const old: Rec = { id, n: 1 };
      const calls = [s.save(old), s.save({ id, n: 2 }), s.delete(id)];
      // A new record with the deleted one's ID (asked after the delete) is kept; the delete does not undo it.
      const fresh: Rec = { id, n: round % 2 ? 3 : 4 };
      if (round % 2) calls.push(s.save(fresh));
      calls.push(s.save(old)); // the deleted object: a no-op
      await Promise.all(calls);
      assert.equal(s.get(id), round % 2 ? fresh : undefined);
    }
    const reopened = await RecordStore.open<Rec>(dir);
    assert.deepEqual(reopened.list().map((r) => `${r.id}:${r.n}`).sort(),
      Array.from({ length: 10 }, (_, i) => `r${2 * i + 1}:3`).sort());
    assert.ok(!readdirSync(dir).some((f) => f.endsWith('.tmp')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
