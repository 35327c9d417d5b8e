import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readFile, lstat, open, stat } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildTar, type MemoryTarEntry } from '../../../src/images/tar/write.js';
import { readTar } from '../../../src/images/tar/read.js';
import { unpackLayer, LayerError } from '../../../src/images/layer.js';
import { unpackLayerInWorker } from '../../../src/images/unpack-worker.js';
import { BatchedWriter } from '../../../src/images/file-writer.js';

async function withDir(fn: (d: string) => Promise<void>): Promise<void> {
  const d = await mkdtemp(join(tmpdir(), 'wincri-unpack-'));
  try { await fn(d); } finally { await rm(d, { recursive: true, force: true }); }
}

/** The bytes in chunks of `size` (the way a socket or gunzip hands them out). */
async function* chunks(b: Buffer, size = 1000): AsyncGenerator<Buffer> {
  for (let o = 0; o < b.length; o += size) yield b.subarray(o, o + size);
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

// Paths repeated in every combination the fast paths (no lstat/mkdir per entry) must still get right.
const REPEATS: MemoryTarEntry[] = [
  { name: 'Files', type: 'dir' },
  { name: 'Files/a', type: 'dir' },
  { name: 'Files/a/b', type: 'dir' },
  { name: 'Files/a/b/x.txt', data: 'first' },
  { name: 'Files/a/b/x.txt', data: 'second' },            // file over file: the later one wins
  { name: 'Files/a', data: 'a is a file now' },            // file over a directory tree
  { name: 'Files/a', type: 'dir' },                        // directory over a file
  { name: 'Files/a/b/y.txt', data: 'parents recreated' },  // parent that existed once and was removed
  { name: 'Files/l', type: 'symlink', linkname: 'a' },
  { name: 'Files/l', data: 'file over symlink' },
  { name: 'Files/h', data: 'hard-link source' },
  { name: 'Files/k', data: 'will be replaced by a link' },
  { name: 'Files/k', type: 'link', linkname: 'Files/h' },  // hard link over a file
  { name: 'Files/big.bin', data: randomBytes(3 * 1024 * 1024 + 17) },
];

async function checkRepeats(d: string): Promise<void> {
  const f = join(d, 'Files');
  assert.equal((await lstat(join(f, 'a'))).isDirectory(), true);
  assert.equal(await readFile(join(f, 'a', 'b', 'y.txt'), 'utf8'), 'parents recreated');
  await assert.rejects(lstat(join(f, 'a', 'b', 'x.txt')), { code: 'ENOENT' });
  assert.equal((await lstat(join(f, 'l'))).isFile(), true);
  assert.equal(await readFile(join(f, 'l'), 'utf8'), 'file over symlink');
  assert.equal((await stat(join(f, 'k'))).ino, (await stat(join(f, 'h'))).ino);
  assert.deepEqual(await readFile(join(f, 'big.bin')), REPEATS[REPEATS.length - 1]!.data);
}

test('unpackLayer: repeated paths replace what is there; diff ID covers the whole plain stream', () => withDir(async (d) => {
  const tar = Buffer.concat([buildTar(REPEATS), Buffer.alloc(4096)]); // trailing zeros after the end marker count too
  const r = await unpackLayer(chunks(gzipSync(tar), 777), join(d, 'out'));
  assert.equal(r.diffId, sha(tar));
  assert.equal(r.expandedBytes, tar.length);
  assert.equal(r.entries, REPEATS.length);
  await checkRepeats(join(d, 'out'));
}));

test('unpackLayerInWorker: same tree, diff ID and counts as in-process, gzip or plain input', () => withDir(async (d) => {
  const tar = buildTar([...REPEATS, { name: 'Files/.wh.gone', data: '' }]);
  for (const [name, input] of [['gz', gzipSync(tar)], ['plain', tar]] as const) {
    const r = await unpackLayerInWorker(chunks(input, 64 * 1024 + 3), join(d, name));
    assert.equal(r.diffId, sha(tar), name);
    assert.equal(r.expandedBytes, tar.length, name);
    assert.deepEqual(r.whiteouts, ['gone'], name);
    await checkRepeats(join(d, name));
  }
}));

test('unpackLayerInWorker: hostile and corrupt layers fail with the in-process error kinds', () => withDir(async (d) => {
  const escape = gzipSync(buildTar([{ name: 'Files/../../etc/passwd', data: 'x' }]));
  await assert.rejects(unpackLayerInWorker(chunks(escape), join(d, 'e')), (e: Error) => e instanceof LayerError && /'\.\.' segment/.test(e.message));
  const bomb = gzipSync(buildTar([{ name: 'Files/zeros', data: Buffer.alloc(2 * 1024 * 1024) }]));
  await assert.rejects(unpackLayerInWorker(chunks(bomb), join(d, 'b'), { maxBytes: 1024 * 1024 }), (e: Error) => e instanceof LayerError && /limit/.test(e.message));
  const gz = gzipSync(buildTar([{ name: 'Files/f', data: randomBytes(100_000) }]));
  gz[gz.length - 2]! ^= 0xff; // corrupt the trailer's length (its CRC-32 is not checked: the diff ID covers the bytes)
  // zlib's error becomes the reader's format error, so it is a LayerError like any other damaged layer
  await assert.rejects(unpackLayerInWorker(chunks(gz), join(d, 'c')), (e: Error) => e instanceof LayerError && /corrupt gzip stream/.test(e.message));
}));

test('unpackLayerInWorker: a failing source fails the unpack with the source error and stops the worker', () => withDir(async (d) => {
  const tar = gzipSync(buildTar([{ name: 'Files/f', data: randomBytes(2 * 1024 * 1024) }]));
  async function* failing(): AsyncGenerator<Buffer> {
    yield tar.subarray(0, 600 * 1024);
    throw new Error('connection reset by peer');
  }
  await assert.rejects(unpackLayerInWorker(failing(), join(d, 'x')), /connection reset by peer/);
}));

test('BatchedWriter: many small chunks land in order as few large writes; errors surface', () => withDir(async (d) => {
  const parts = Array.from({ length: 3000 }, (_, i) => randomBytes(1 + (i % 700)));
  const fh = await open(join(d, 'f'), 'w');
  const w = new BatchedWriter(fh, 64 * 1024);
  for (const p of parts) await w.write(p);
  await w.write(Buffer.alloc(0));
  await w.flush();
  await fh.close();
  assert.deepEqual(await readFile(join(d, 'f')), Buffer.concat(parts));
  assert.equal(w.written, Buffer.concat(parts).length);

  const ro = await open(join(d, 'f'), 'r');
  const bad = new BatchedWriter(ro, 16);
  await bad.write(Buffer.alloc(32)); // starts a write that fails (read-only handle)
  await assert.rejects(bad.flush(), { code: 'EBADF' });
  await ro.close();
}));

test('readTar: gzip false reads a plain stream as is; onData sees every byte once', async () => {
  const tar = Buffer.concat([buildTar([{ name: 'Files/a', data: 'hello' }]), Buffer.alloc(1024)]);
  let seen = 0;
  const names: string[] = [];
  for await (const e of readTar(chunks(tar, 300), { gzip: false, onData: (b) => { seen += b.length; } })) names.push(e.name);
  assert.deepEqual(names, ['Files/a']);
  assert.equal(seen, tar.length);
});

test('unpackLayerInWorker: a hostile entry fails at once even while the source stalls', () => withDir(async (d) => {
  let release!: () => void;
  const stalled = new Promise<void>((r) => { release = r; });
  async function* source(): AsyncGenerator<Buffer> {
    yield buildTar([{ name: '/etc/passwd', data: 'x' }]).subarray(0, 1024);
    await stalled; // a registry that stopped sending
  }
  const t0 = Date.now();
  await assert.rejects(unpackLayerInWorker(source(), join(d, 's')), (e: Error) => e instanceof LayerError && /absolute path/.test(e.message));
  assert.ok(Date.now() - t0 < 10_000);
  release();
}));
