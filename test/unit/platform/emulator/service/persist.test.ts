/**
 * The emulator's Persister: a burst of saves shares writes (group commit) and every save resolves only once a
 * write containing its state is on disk.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Persister } from '../../../../../src/platform/emulator/service/persist.js';

test('a burst of saves: each resolves with its state on disk, in fewer writes than saves', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'persist-'));
  try {
    const p = new Persister(dir);
    let state = 0;
    let snapshots = 0;
    const snap = () => { snapshots++; return { state }; };
    const waits: Promise<void>[] = [];
    for (let i = 1; i <= 20; i++) {
      state = i;
      const mine = i;
      waits.push(p.save('t', snap).then(async () => {
        const onDisk = JSON.parse(await readFile(join(dir, 't.json'), 'utf8')) as { state: number };
        assert.ok(onDisk.state >= mine, `save ${mine} resolved with state ${onDisk.state} on disk`);
      }));
    }
    await Promise.all(waits);
    await p.flush();
    assert.ok(snapshots < 20, `${snapshots} writes for 20 saves`);
    assert.deepEqual(await p.load('t'), { state: 20 });
    // After the burst, a new save writes again.
    state = 21;
    await p.save('t', snap);
    assert.deepEqual(await p.load('t'), { state: 21 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
