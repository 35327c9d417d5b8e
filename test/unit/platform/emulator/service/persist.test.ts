/**
 * The emulator's Persister: a burst of saves shares writes (group commit) and every save resolves only once a
 * write containing its state is on disk.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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

test('trySave tells whether the write holding it reached the disk; save never throws', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'persist-'));
  try {
    await writeFile(join(dir, 'a-file'), ''); // the records directory's place taken by a file: writes fail
    const p = new Persister(join(dir, 'a-file'));
    const errWrite = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write; // the failure's log line
    try {
      assert.equal(await p.trySave('systems', () => ({ a: 1 })), false);
      await p.save('systems', () => ({ a: 2 }));
    } finally { process.stderr.write = errWrite; }
    const ok = new Persister(dir);
    assert.equal(await ok.trySave('systems', () => ({ a: 3 })), true);
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'systems.json'), 'utf8')), { a: 3 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
