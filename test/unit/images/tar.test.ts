import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, mkdir, writeFile, symlink, readFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { readTar, readBody } from '../../../src/images/tar/read.js';
import { buildTar, TarWriter } from '../../../src/images/tar/write.js';
import { TarFormatError, type TarEntry } from '../../../src/images/tar/format.js';

async function collect(src: AsyncIterable<Buffer>, opts = {}): Promise<(Omit<TarEntry, 'body'> & { data: string })[]> {
  const out = [];
  for await (const e of readTar(src, opts)) {
    const { body: _b, ...rest } = e;
    out.push({ ...rest, data: (await readBody(e)).toString('utf8') });
  }
  return out;
}

async function withDir(fn: (d: string) => Promise<void>): Promise<void> {
  const d = await mkdtemp(join(tmpdir(), 'wincri-tar-'));
  try { await fn(d); } finally { await rm(d, { recursive: true, force: true }); }
}

const LONG = 'Files/' + 'very-long-directory-name/'.repeat(8) + 'file-with-a-long-name.txt';

async function makeTree(d: string): Promise<void> {
  await mkdir(join(d, 'src', 'Files', ...LONG.split('/').slice(1, -1)), { recursive: true });
  await writeFile(join(d, 'src', LONG), 'long\n');
  await writeFile(join(d, 'src', 'Files', 'a.txt'), 'A'.repeat(1000));
  await writeFile(join(d, 'src', 'Files', 'ünïcode.txt'), 'u');
  await symlink('a.txt', join(d, 'src', 'Files', 'link'));
}

for (const format of ['gnu', 'pax'] as const) {
  test(`reads tars written by system tar (--format=${format}), plain and gzip`, async () => withDir(async (d) => {
    await makeTree(d);
    const tarPath = join(d, 'x.tar');
    execFileSync('tar', [`--format=${format}`, '-cf', tarPath, '-C', join(d, 'src'), '--sort=name', 'Files']);
    for (const src of [createReadStream(tarPath), Readable.from([gzipSync(await readFile(tarPath))])]) {
      const entries = await collect(src);
      const byName = new Map(entries.map((e) => [e.name.replace(/\/$/, ''), e]));
      assert.equal(byName.get(LONG)?.data, 'long\n');
      assert.equal(byName.get('Files/a.txt')?.data, 'A'.repeat(1000));
      assert.equal(byName.get('Files/a.txt')?.size, 1000);
      assert.equal(byName.get('Files/a.txt')?.type, 'file');
      assert.equal(byName.get('Files/ünïcode.txt')?.data, 'u');
      assert.equal(byName.get('Files/link')?.type, 'symlink');
      assert.equal(byName.get('Files/link')?.linkname, 'a.txt');
      assert.equal(byName.get('Files')?.type, 'dir');
      if (format === 'pax') assert.equal(byName.get(LONG)?.pax.path, LONG);
    }
  }));
}

test('system tar reads what the writer writes (pax records, long names, links)', async () => withDir(async (d) => {
  const tarPath = join(d, 'w.tar');
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const w = new TarWriter(out);
  await w.addGlobalPax({ comment: 'global' });
  await w.addDir('Files');
  await w.addFile(LONG, 'long\n', { pax: { 'MSWINDOWS.fileattr': '32' } });
  await w.addFileStream('Files/s.bin', 6, Readable.from([Buffer.from('abc'), Buffer.from('def')]));
  await w.addSymlink('Files/l', 's.bin');
  await w.addLink('Files/h', 'Files/s.bin');
  await w.end();
  await writeFile(tarPath, Buffer.concat(chunks));
  const listing = execFileSync('tar', ['-tvf', tarPath], { encoding: 'utf8' });
  assert.match(listing, new RegExp(LONG.replace(/[.]/g, '\\.')));
  assert.match(listing, /Files\/l -> s\.bin/);
  assert.match(listing, /Files\/h link to Files\/s\.bin/);
  execFileSync('tar', ['-xf', tarPath, '-C', d]);
  assert.equal(await readFile(join(d, LONG), 'utf8'), 'long\n');
  assert.equal(await readFile(join(d, 'Files/h'), 'utf8'), 'abcdef');
  const entries = await collect(Readable.from([Buffer.concat(chunks)]));
  assert.deepEqual(entries.map((e) => [e.name, e.type]), [['Files/', 'dir'], [LONG, 'file'], ['Files/s.bin', 'file'], ['Files/l', 'symlink'], ['Files/h', 'link']]);
  assert.equal(entries[1]!.pax['MSWINDOWS.fileattr'], '32');
  assert.equal(entries[1]!.pax.comment, 'global');
  assert.equal(entries[2]!.data, 'abcdef');
}));

test('pax records: per-entry keys, global headers, overriding and unsetting, size/path', async () => {
  const tar = buildTar([
    { name: 'Files/a', data: 'x', pax: { 'MSWINDOWS.rawsd': 'AQAAgA==', 'LIBARCHIVE.creationtime': '1700000000.25', 'MSWINDOWS.fileattr': '32' } },
    { name: 'Files/b', data: 'y', pax: { comment: '' } },
  ], { comment: 'g', 'MSWINDOWS.fileattr': '1' });
  const e = await collect(Readable.from([tar]));
  assert.equal(e[0]!.pax['MSWINDOWS.rawsd'], 'AQAAgA==');
  assert.equal(e[0]!.pax['LIBARCHIVE.creationtime'], '1700000000.25');
  assert.equal(e[0]!.pax['MSWINDOWS.fileattr'], '32');
  assert.equal(e[0]!.pax.comment, 'g');
  assert.equal(e[1]!.pax['MSWINDOWS.fileattr'], '1');
  assert.equal(e[1]!.pax.comment, undefined, 'an empty value unsets a global record');
  assert.equal(e[1]!.data, 'y');
});

test('bodies not consumed are skipped; tiny chunks are handled', async () => {
  const tar = buildTar([{ name: 'a', data: 'A'.repeat(700) }, { name: 'b', data: 'B' }, { name: 'c/', type: 'dir' }]);
  const names: string[] = [];
  const bytes = [...tar].map((b) => Buffer.from([b]));
  for await (const e of readTar(Readable.from(bytes))) {
    names.push(e.name);
    if (e.name === 'b') assert.equal((await readBody(e)).toString(), 'B');
  }
  assert.deepEqual(names, ['a', 'b', 'c/']);
});

test('corrupt input and limits', async () => {
  const tar = buildTar([{ name: 'a', data: 'x'.repeat(5000) }]);
  const bad = Buffer.from(tar); bad[10] = 0x41;
  await assert.rejects(collect(Readable.from([bad])), (e: unknown) => e instanceof TarFormatError && /checksum/.test((e as Error).message));
  await assert.rejects(collect(Readable.from([tar.subarray(0, 1024)])), /unexpected end of archive/);
  await assert.rejects(collect(Readable.from([tar]), { maxBytes: 4096 }), /exceeds the limit|beyond the limit/);
  await assert.rejects(collect(Readable.from([gzipSync(Buffer.alloc(10 * 1024 * 1024))]), { maxBytes: 1024 * 1024 }), /beyond the limit/);
  const bigPax = buildTar([{ name: 'a', data: 'x', pax: { junk: 'j'.repeat(2 * 1024 * 1024) } }]);
  await assert.rejects(collect(Readable.from([bigPax])), /extended header/);
  const notTar = Buffer.alloc(1024, 0x41);
  await assert.rejects(collect(Readable.from([notTar])), /checksum/);
});

test('base-256 sizes and GNU long link names', async () => withDir(async (d) => {
  await mkdir(join(d, 's'));
  const target = 't'.repeat(150);
  await writeFile(join(d, 's', target), 'z');
  await symlink(target, join(d, 's', 'l'));
  execFileSync('tar', ['--format=gnu', '-cf', join(d, 'g.tar'), '-C', join(d, 's'), 'l', target]);
  const e = await collect(createReadStream(join(d, 'g.tar')));
  assert.equal(e.find((x) => x.name === 'l')?.linkname, target);
  assert.equal(e.find((x) => x.name === target)?.data, 'z');
}));
