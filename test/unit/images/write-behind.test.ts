/**
 * Layer files finishing behind the unpack (write-behind.ts): at most MAX_BEHIND at once; an unpack of many files
 * written direct — a repeated path, a hard link to a file still finishing, time stamps — reads back exactly once
 * it returns, with no descriptor left open; a write failing behind the unpack fails it, and after the unpack
 * returned (failed or not) no write is still in flight.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readFile, stat } from 'node:fs/promises';
import { readdirSync, readlinkSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTar, type MemoryTarEntry } from '../../../src/images/tar/write.js';
import { unpackLayer } from '../../../src/images/layer.js';
import { WriteBehind, MAX_BEHIND } from '../../../src/images/write-behind.js';
import { DIRECT_CHUNK, O_DIRECT } from '../../../src/images/direct-writer.js';

async function withDir(fn: (d: string) => Promise<void>): Promise<void> {
  const d = await mkdtemp(join(tmpdir(), 'wincri-write-behind-'));
  try { await fn(d); } finally { await rm(d, { recursive: true, force: true }); }
}

async function* chunks(b: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let o = 0; o < b.length; o += size) yield b.subarray(o, o + size);
}

const openFds = () => readdirSync('/proc/self/fd').length;

test('write-behind: a hand-over waits while more than MAX_BEHIND files are finishing; the first failure is thrown', async () => {
  const behind = new WriteBehind();
  const ends: (() => void)[] = [];
  const file = () => new Promise<void>((resolve) => { ends.push(resolve); });
  for (let i = 0; i < MAX_BEHIND; i++) await behind.add(file());
  let handedOver = false;
  const next = behind.add(file()).then(() => { handedOver = true; });
  await new Promise((r) => setImmediate(r));
  assert.equal(handedOver, false, `the hand-over of file ${MAX_BEHIND + 1} waits while ${MAX_BEHIND} are finishing`);
  ends[0]!();
  await next;
  assert.equal(handedOver, true);
  for (const end of ends.slice(1)) end();
  await behind.drain();
  const failing = new WriteBehind();
  await failing.add(Promise.reject(new Error('EIO: i/o error, write')));
  await assert.rejects(failing.drain(), /EIO/);
});

test('an unpack of files written direct reads back exactly once it returns: repeated path, hard link, time stamps, no descriptor open', { skip: O_DIRECT === 0 && 'no O_DIRECT here' }, async () => {
  await withDir(async (d) => {
    const sizes = [DIRECT_CHUNK, 256 * 1024, 3 * DIRECT_CHUNK + 17, DIRECT_CHUNK + 4096, 700_001, 2 * DIRECT_CHUNK, 300_000, DIRECT_CHUNK - 1];
    const data = sizes.map((n) => randomBytes(n));
    const again = randomBytes(DIRECT_CHUNK + 5);
    const mtime = 1_600_000_000;
    const entries: MemoryTarEntry[] = [
      { name: 'Files', type: 'dir' },
      ...data.map((b, i) => ({ name: `Files/f${i}.bin`, data: b, mtime: mtime + i })),
      { name: 'Files/link0', type: 'link', linkname: 'Files/f7.bin' },
      { name: 'Files/f2.bin', data: again, mtime }, // the same path again: the later entry wins
    ];
    const before = openFds();
    const staging = join(d, 'staging');
    await unpackLayer(chunks(buildTar(entries), 300_000), staging);
    assert.equal(openFds(), before, 'no descriptor is left open');
    for (let i = 0; i < data.length; i++) {
      const want = i === 2 ? again : data[i]!;
      assert.ok((await readFile(join(staging, 'Files', `f${i}.bin`))).equals(want), `f${i}.bin`);
      assert.equal((await stat(join(staging, 'Files', `f${i}.bin`))).mtimeMs, (i === 2 ? mtime : mtime + i) * 1000, `f${i}.bin mtime`);
    }
    assert.ok((await readFile(join(staging, 'Files', 'link0'))).equals(data[7]!), 'the hard link names the whole file');
  });
});

const fsModule = createRequire(import.meta.url)('node:fs') as { write: (...a: unknown[]) => void };

test('a write failing behind the unpack fails it; when it returns, no write is in flight and no descriptor open', { skip: O_DIRECT === 0 && 'no O_DIRECT here' }, async () => {
  await withDir(async (d) => {
    const entries: MemoryTarEntry[] = [{ name: 'Files', type: 'dir' }, ...Array.from({ length: 12 }, (_, i) => ({ name: `Files/f${i}.bin`, data: randomBytes(DIRECT_CHUNK) }))];
    const staging = join(d, 'staging');
    const real = fsModule.write;
    let inFlight = 0;
    let failedOne = false;
    // Writes to f3.bin fail with EIO; every write completes on a later turn, so files are behind the unpack.
    fsModule.write = (...a: unknown[]) => {
      const done = a[a.length - 1] as (e: Error | null, n?: number) => void;
      let path = '';
      try { path = readlinkSync(`/proc/self/fd/${a[0] as number}`); } catch { /* not a file */ }
      inFlight++;
      const finish = (e: Error | null, n?: number) => { inFlight--; done(e, n); };
      if (path.endsWith('/f3.bin')) {
        failedOne = true;
        setTimeout(finish, 5, Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO', syscall: 'write' }));
        return;
      }
      real(...a.slice(0, -1), (e: Error | null, n?: number) => setTimeout(finish, 2, e, n));
    };
    syncBuiltinESMExports();
    const before = openFds();
    try {
      await assert.rejects(unpackLayer(chunks(buildTar(entries), 300_000), staging), /EIO/);
      assert.equal(failedOne, true);
      assert.equal(inFlight, 0, 'no write is in flight once the unpack has failed');
      assert.equal(openFds(), before, 'no descriptor is left open');
    } finally {
      fsModule.write = real;
      syncBuiltinESMExports();
    }
  });
});
