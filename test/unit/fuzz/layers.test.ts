/**
 * Bounded, seeded fuzzing of the tar reader and the Windows layer unpacker with mutated layer tars (plain and
 * gzip): each input is read to its end or refused with TarFormatError / LayerError / a domain error; nothing is
 * ever written outside the staging directory; no other exception, no hang. See test/helpers/fuzz.ts for knobs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fuzz, mutateBytes } from '../../helpers/fuzz.js';
import { buildLayerTar } from '../../helpers/image-builder.js';
import { readTar, readBody } from '../../../src/images/tar/read.js';
import { TarFormatError, parsePax } from '../../../src/images/tar/format.js';
import { unpackLayer, LayerError } from '../../../src/images/layer.js';
import { RuntimeError } from '../../../src/errors.js';

const LAYERS = [
  buildLayerTar({ 'app/hello.txt': 'hello\n', 'app/bin/run.cmd': { content: '@echo off\r\n', mode: 0o755 }, 'app/link': { symlink: 'hello.txt' } }),
  buildLayerTar({ 'Windows/System32/x.dll': 'x'.repeat(3000), 'app/gone.txt': { whiteout: true }, [`deep/${'d/'.repeat(40)}f.txt`]: 'f' }),
];
const CORPUS = [...LAYERS, ...LAYERS.map((l) => gzipSync(l))];
const chunks = async function* (b: Buffer) { for (let i = 0; i < b.length; i += 700) yield b.subarray(i, i + 700); };
const expected = (e: unknown) => e instanceof TarFormatError || e instanceof LayerError || e instanceof RuntimeError;
const show = (b: Buffer) => b.toString('base64').slice(0, 4000);

test('tar reader: mutated archives are read or refused with TarFormatError; pax records never crash', async () => {
  const r = await fuzz({
    name: 'tar', corpus: CORPUS, seconds: 4, hangMs: 10_000, show,
    mutate: (b, rng, c) => mutateBytes(b, rng, c),
    target: async (b) => {
      for await (const e of readTar(chunks(b), { maxBytes: 8 * 1024 * 1024, maxMetaBytes: 64 * 1024 })) {
        if (e.type === 'file') await readBody(e, 1024 * 1024);
        if (e.pax) parsePax(Buffer.from(Object.entries(e.pax).map(([k, v]) => `${k.length + v.length + 4} ${k}=${v}\n`).join('')));
      }
    },
    expected,
  });
  assert.deepEqual(r.failures, [], r.failures.join('\n\n'));
  console.log(`fuzz tar: ${r.iterations} iterations, seed ${r.seed}`);
});

test('layer unpacker: mutated layers unpack or are refused; nothing lands outside the staging directory', async () => {
  const root = mkdtempSync(join(tmpdir(), 'wincri-fuzz-layer-'));
  let n = 0;
  try {
    const r = await fuzz({
      name: 'layer', corpus: CORPUS, seconds: 5, hangMs: 15_000, show,
      mutate: (b, rng, c) => mutateBytes(b, rng, c),
      target: async (b) => {
        const staging = join(root, 'stage', String(n++));
        try { await unpackLayer(chunks(b), staging, { maxBytes: 16 * 1024 * 1024 }); } finally {
          const stray = readdirSync(root).filter((x) => x !== 'stage');
          rmSync(join(root, 'stage'), { recursive: true, force: true });
          assert.deepEqual(stray, [], 'an entry escaped the staging directory');
        }
      },
      expected,
    });
    assert.deepEqual(r.failures, [], r.failures.join('\n\n'));
    console.log(`fuzz layer: ${r.iterations} iterations, seed ${r.seed}`);
  } finally { rmSync(root, { recursive: true, force: true }); }
});

test('regression found by the fuzzer: a corrupt gzip stream is a TarFormatError, not a bare zlib error', async () => {
  const gz = gzipSync(LAYERS[0]!);
  gz[gz.length - 6] = gz[gz.length - 6]! ^ 0xff; // damage the CRC32 trailer
  await assert.rejects((async () => { for await (const e of readTar(chunks(gz))) if (e.type === 'file') await readBody(e); })(), (e: unknown) => e instanceof TarFormatError && /corrupt gzip stream/.test((e as Error).message));
});
