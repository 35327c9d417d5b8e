import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupCommit, fsyncDirNow, dirSyncUnsupported } from '../../../src/util/dir-sync.js';

/** A fake fsync whose rounds the test finishes by hand; records the order of events. */
function fakeFsync() {
  const events: string[] = [];
  const pending: (() => void)[] = [];
  const fsync = (dir: string) => new Promise<void>((r) => { events.push(`start ${dir}`); pending.push(() => { events.push(`end ${dir}`); r(); }); });
  const finishNext = async () => { await new Promise((r) => setImmediate(r)); pending.shift()!(); await new Promise((r) => setImmediate(r)); };
  return { events, fsync, finishNext, pending };
}

test('syncDir: callers before a round starts share it; a caller during a running round waits for a new one', async () => {
  const f = fakeFsync();
  const sync = groupCommit(f.fsync);
  const done: string[] = [];
  const a = sync('d').then(() => done.push('a'));
  const b = sync('d').then(() => done.push('b')); // joins a's round: it has not started yet
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(f.events, ['start d']);
  // Round 1 runs: c and d renamed after it started, so they need a round that starts later; they share it.
  const c = sync('d').then(() => done.push('c'));
  const d = sync('d').then(() => done.push('d'));
  await f.finishNext();
  await Promise.all([a, b]);
  assert.deepEqual(done.sort(), ['a', 'b'], 'c and d are not durable by the first round');
  assert.deepEqual(f.events, ['start d', 'end d', 'start d']);
  await f.finishNext();
  await Promise.all([c, d]);
  assert.deepEqual(f.events, ['start d', 'end d', 'start d', 'end d'], 'two fsyncs for four renames');
  assert.equal(f.pending.length, 0);
});

test('syncDir: directories are independent, and a finished round is not joined', async () => {
  const f = fakeFsync();
  const sync = groupCommit(f.fsync);
  const x = sync('x');
  const y = sync('y');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(f.events.sort(), ['start x', 'start y']);
  await f.finishNext();
  await f.finishNext();
  await Promise.all([x, y]);
  const again = sync('x');
  await new Promise((r) => setImmediate(r));
  assert.equal(f.events.filter((e) => e === 'start x').length, 2, 'a call after a round ended starts its own');
  await f.finishNext();
  await again;
});

test('syncDir: a failed round fails every caller that joined it, and the round queued behind it still runs', async () => {
  const events: string[] = [];
  const pending: ((err?: Error) => void)[] = [];
  const fsync = (dir: string) => new Promise<void>((res, rej) => {
    events.push(`start ${dir}`);
    pending.push((err) => { if (err) rej(err); else res(); });
  });
  const sync = groupCommit(fsync);
  const tick = () => new Promise((r) => setImmediate(r));
  const outcome = (p: Promise<void>) => p.then(() => 'ok', (e: Error) => e.message);
  const a = outcome(sync('d'));
  const b = outcome(sync('d')); // joins a's round
  await tick();
  const c = outcome(sync('d')); // queued behind the running round
  pending.shift()!(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
  assert.deepEqual([await a, await b], ['EIO: i/o error, fsync', 'EIO: i/o error, fsync'], 'no caller of the failed round is told its rename is durable');
  await tick();
  assert.deepEqual(events, ['start d', 'start d'], 'the next round ran its own fsync');
  pending.shift()!();
  assert.equal(await c, 'ok');
});

for (const syncSteps of [true, false]) test(`fsyncDirNow (synchronous open/close: ${syncSteps}): a directory is synced; a real failure rejects; a removed one and "not supported" errors are ignored`, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dirsync-'));
  try {
    await fsyncDirNow(dir, syncSteps);
    await fsyncDirNow(join(dir, 'missing'), syncSteps); // removed meanwhile: nothing left to sync
    await writeFile(join(dir, 'file'), 'x');
    await assert.rejects(fsyncDirNow(join(dir, 'file', 'below'), syncSteps), { code: 'ENOTDIR' });
    for (const code of ['EISDIR', 'EINVAL', 'ENOTSUP', 'EPERM']) assert.ok(dirSyncUnsupported(Object.assign(new Error(code), { code })), code);
    for (const code of ['EIO', 'EMFILE', 'ENOSPC']) assert.ok(!dirSyncUnsupported(Object.assign(new Error(code), { code })), code);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
