/**
 * Layer files written direct (O_DIRECT, aligned buffers, padded tail cut back) and the fall-backs: every size
 * around the alignment and buffer boundaries reads back byte for byte, a file system that refuses O_DIRECT is
 * written through the page cache from then on — one that refuses the write after taking the open goes on with the
 * file through the page cache —, a body that fails mid-file leaves no write in flight, and concurrent files never
 * share a buffer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readFile, stat } from 'node:fs/promises';
import { constants, openSync, closeSync, statSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeLayerFile, type Replacing } from '../../../src/images/layer-file.js';
import { DirectWriter, DIRECT_ALIGN, DIRECT_CHUNK, DIRECT_MIN_BYTES, O_DIRECT, directWritable } from '../../../src/images/direct-writer.js';

async function withDir(fn: (d: string) => Promise<void>): Promise<void> {
  const d = await mkdtemp(join(tmpdir(), 'wincri-layer-file-'));
  try { await fn(d); } finally { await rm(d, { recursive: true, force: true }); }
}

async function* chunks(b: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let o = 0; o < b.length; o += size) yield b.subarray(o, o + size);
}

const plain: Replacing = (_path, create) => create();

test('direct writes: sizes around the alignment and the buffer read back exactly', { skip: O_DIRECT === 0 && 'no O_DIRECT here' }, async () => {
  await withDir(async (d) => {
    const sizes = [DIRECT_MIN_BYTES, DIRECT_MIN_BYTES + 1, DIRECT_CHUNK - 1, DIRECT_CHUNK, DIRECT_CHUNK + 1, 2 * DIRECT_CHUNK + DIRECT_ALIGN, 3 * DIRECT_CHUNK - 7];
    for (const [i, size] of sizes.entries()) {
      for (const piece of [999, 65536, DIRECT_CHUNK + 3]) {
        const data = randomBytes(size);
        const target = join(d, `f${i}-${piece}`);
        // Opened with O_DIRECT by the test itself: a misaligned buffer, offset or length fails with EINVAL.
        const fd = openSync(target, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_DIRECT, 0o644);
        const w = new DirectWriter(fd);
        try {
          for await (const c of chunks(data, piece)) await w.write(c);
          await w.finish();
        } finally {
          await w.idle();
          closeSync(fd);
        }
        assert.equal((await stat(target)).size, size, `size of ${size}-byte file in ${piece}-byte chunks`);
        assert.ok((await readFile(target)).equals(data), `content of ${size}-byte file in ${piece}-byte chunks`);
      }
    }
  });
});

test('writeLayerFile: small files go through the page cache, large ones direct; mode and mtime are set', async () => {
  await withDir(async (d) => {
    const dev = statSync(d).dev;
    assert.equal(directWritable(DIRECT_MIN_BYTES - 1, dev), false);
    assert.equal(directWritable(DIRECT_MIN_BYTES, dev), O_DIRECT !== 0);
    for (const size of [0, 10, DIRECT_MIN_BYTES - 1, DIRECT_MIN_BYTES + 5, 2 * DIRECT_CHUNK + 1]) {
      const data = randomBytes(size);
      const target = join(d, `s${size}`);
      await writeLayerFile({ target, mode: 0o640, size, mtime: 1_600_000_000, body: chunks(data, 7777) }, dev, plain);
      const st = await stat(target);
      assert.equal(st.size, size);
      assert.equal(st.mode & 0o777, 0o640);
      assert.equal(Math.round(st.mtimeMs / 1000), 1_600_000_000);
      assert.ok((await readFile(target)).equals(data));
    }
  });
});

test('a file system that refuses O_DIRECT is written through the page cache, and remembered', { skip: O_DIRECT === 0 && 'no O_DIRECT here' }, async () => {
  await withDir(async (d) => {
    // A device number no real file system here has: the refusal is recorded for it alone.
    const dev = statSync(d).dev + 1_000_000;
    const target = join(d, 'big');
    const data = randomBytes(DIRECT_CHUNK + 11);
    let opens = 0;
    // The first open (with O_DIRECT) fails as on such a file system, after creating the file (as Linux may);
    // later ones replace what is there, as layer.ts does.
    const refusingOnce: Replacing = async (path, create) => {
      if (opens++ === 0) {
        closeSync(openSync(path, 'w'));
        throw Object.assign(new Error('EINVAL: invalid argument, open'), { code: 'EINVAL' });
      }
      try { return await create(); } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        await rm(path);
        return create();
      }
    };
    assert.equal(directWritable(data.length, dev), true);
    await writeLayerFile({ target, mode: 0o644, size: data.length, mtime: 0, body: chunks(data, 4096) }, dev, refusingOnce);
    assert.ok((await readFile(target)).equals(data));
    assert.equal(directWritable(data.length, dev), false, 'the device is remembered as refusing O_DIRECT');
  });
});

/** node:fs as CommonJS: replacing its write and syncing the ES exports reaches direct-writer.ts's `write`. */
const fsModule = createRequire(import.meta.url)('node:fs') as { write: (...a: unknown[]) => void };

const pathOf = (fd: number): string | undefined => { try { return readlinkSync(`/proc/self/fd/${fd}`); } catch { return undefined; } };

/**
 * Runs `fn` with the writes to `target` (a real path) failing EINVAL from the `nth` on, on that descriptor, as on a
 * file system that takes the O_DIRECT open and refuses the write; other descriptors write as usual. Returns how
 * many writes were refused.
 */
async function refusingWrites(target: string, nth: number, fn: () => Promise<unknown>): Promise<number> {
  const real = fsModule.write;
  let calls = 0;
  let refusedFd: number | undefined;
  let refusals = 0;
  fsModule.write = (...a: unknown[]) => {
    const fd = a[0] as number;
    if (refusedFd === undefined && pathOf(fd) === target && ++calls === nth) refusedFd = fd;
    if (fd !== refusedFd) return real(...a);
    refusals++;
    const done = a[a.length - 1] as (e: Error) => void;
    process.nextTick(done, Object.assign(new Error('EINVAL: invalid argument, write'), { code: 'EINVAL', syscall: 'write' }));
  };
  syncBuiltinESMExports();
  try { await fn(); } finally { fsModule.write = real; syncBuiltinESMExports(); }
  return refusals;
}

test('a file system that takes the O_DIRECT open but refuses the write: the file goes on through the page cache, reads back exactly, and the device is remembered', { skip: O_DIRECT === 0 && 'no O_DIRECT here' }, async () => {
  await withDir(async (d) => {
    // Three writes: two whole buffers and the padded tail; each is the first refused once.
    const data = randomBytes(2 * DIRECT_CHUNK + 11);
    const openFds = () => readdirSync('/proc/self/fd').length;
    for (const nth of [1, 2, 3]) {
      const dev = statSync(d).dev + 2_000_000 + nth;
      const target = join(realpathSync(d), `refused-write-${nth}`);
      assert.equal(directWritable(data.length, dev), true);
      const before = openFds();
      const refusals = await refusingWrites(target, nth, () =>
        writeLayerFile({ target, mode: 0o644, size: data.length, mtime: 0, body: chunks(data, 50_000) }, dev, plain));
      assert.equal(refusals, 1, `write ${nth} was refused, once: the file went on without O_DIRECT`);
      assert.equal((await stat(target)).size, data.length, `size after refused write ${nth}`);
      assert.ok((await readFile(target)).equals(data), `content after refused write ${nth}`);
      assert.equal(directWritable(data.length, dev), false, 'the device is remembered as refusing O_DIRECT');
      assert.equal(openFds(), before, 'no descriptor is left open');
    }
  });
});

test('a body that fails mid-file rejects after its writes are done; the next file writes fine', async () => {
  await withDir(async (d) => {
    const dev = statSync(d).dev;
    const data = randomBytes(3 * DIRECT_CHUNK);
    async function* failing(): AsyncGenerator<Buffer> {
      yield* chunks(data.subarray(0, 2 * DIRECT_CHUNK + 5), 65536);
      throw new Error('source failed');
    }
    await assert.rejects(writeLayerFile({ target: join(d, 'bad'), mode: 0o644, size: data.length, mtime: 0, body: failing() }, dev, plain), /source failed/);
    const target = join(d, 'good');
    await writeLayerFile({ target, mode: 0o644, size: data.length, mtime: 0, body: chunks(data, 100_000) }, dev, plain);
    assert.ok((await readFile(target)).equals(data));
  });
});

test('concurrent files never share a buffer', async () => {
  await withDir(async (d) => {
    const dev = statSync(d).dev;
    const files = Array.from({ length: 4 }, (_, i) => ({ target: join(d, `c${i}`), data: randomBytes(2 * DIRECT_CHUNK + 1000 * i) }));
    // Small chunks with a pause each: the four writers interleave.
    async function* slow(b: Buffer): AsyncGenerator<Buffer> {
      for await (const c of chunks(b, 300_000)) { await new Promise((r) => setImmediate(r)); yield c; }
    }
    await Promise.all(files.map((f) => writeLayerFile({ target: f.target, mode: 0o644, size: f.data.length, mtime: 0, body: slow(f.data) }, dev, plain)));
    for (const f of files) assert.ok((await readFile(f.target)).equals(f.data), f.target);
  });
});
