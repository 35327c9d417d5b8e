/**
 * discardUnpackedLayers: a pulled layer's compressed blob is hashed and checked but never kept. The image is
 * complete without it (status, size, restart), a removed image's layers are pulled again, and bad content — wrong
 * bytes, a damaged gzip stream, a diff ID the content does not match — still fails with InvalidArgument and leaves
 * no blob, staging folder or layer behind.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRuntimeError } from '../../../../src/errors.js';
import { ImageService } from '../../../../src/images/service.js';
import { buildLayerTar } from '../../../helpers/image-builder.js';
import { startRegistry, startFaultProxy, makeImage, Pusher, type Registry, type FaultProxy, type TestImage, type Blob } from '../../../helpers/registry.js';
import { FakeStorage } from '../fake-storage.js';
import { withService, blobsIn, tmpEntries, layerCount, HOST } from './common.js';

let reg: Registry;
let proxy: FaultProxy;
const big = (n: number) => randomBytes(n).toString('base64');
const img = makeImage({ layers: [{ 'Windows/a.bin': big(400_000) }, { 'app/b.bin': big(200_000) }] });

const blob = (data: Buffer | string, mediaType: string): Blob => {
  const b = Buffer.isBuffer(data) ? data : Buffer.from(data);
  return { digest: `sha256:${createHash('sha256').update(b).digest('hex')}`, size: b.length, data: b, mediaType };
};

/** `base` with its first layer's blob replaced (config diff IDs as given), manifest and config rebuilt. */
function withFirstLayer(base: TestImage, layer: Buffer, diffIds: string[]): TestImage {
  const cfg = JSON.parse(base.config.data.toString()) as { rootfs: { diff_ids: string[] } };
  cfg.rootfs.diff_ids = diffIds;
  const config = blob(JSON.stringify(cfg), base.config.mediaType);
  const layers = [blob(layer, base.layers[0]!.mediaType), ...base.layers.slice(1)];
  const m = JSON.parse(base.manifest.data.toString()) as { config: unknown; layers: unknown[] };
  m.config = { mediaType: config.mediaType, digest: config.digest, size: config.size };
  m.layers = layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size }));
  const manifest = blob(JSON.stringify(m), base.manifest.mediaType);
  return { config, layers, tars: base.tars, manifest, id: config.digest };
}

const tarA = buildLayerTar({ 'a.txt': 'A'.repeat(50_000) });
const tarB = buildLayerTar({ 'b.txt': 'B'.repeat(50_000) });
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const baseOne = makeImage({ rawLayers: [tarA] });
// The blob is tarB's gzip but the config names tarA's diff ID.
const wrongDiff = withFirstLayer(baseOne, gzipSync(tarB), [sha(tarA)]);
// A gzip stream damaged in its deflate data (the registry serves it under its own, matching, digest).
const damaged = (() => {
  const gz = Buffer.from(gzipSync(tarA, { level: 1 }));
  for (let i = 40; i < 60; i++) gz[i] = gz[i]! ^ 0xa5;
  return withFirstLayer(baseOne, gz, [sha(tarA)]);
})();

before(async () => {
  reg = await startRegistry();
  proxy = await startFaultProxy(reg.url);
  const push = new Pusher({ url: reg.url });
  await push.image('d/app', '1', img);
  await push.image('d/wrongdiff', '1', wrongDiff);
  await push.image('d/damaged', '1', damaged);
});
after(async () => { await proxy?.close(); await reg?.stop(); });

const registries = () => ({ [reg.host]: { insecure: true }, [proxy.host]: { insecure: true } });
const sizeOf = (i: TestImage) => i.config.size + i.layers.reduce((n, l) => n + l.size, 0);

test('a pulled image keeps no layer blob; status and size are right across a restart; removed layers are pulled again', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wincri-pull-discard-'));
  const storage = new FakeStorage();
  const open = () => ImageService.open({ root: join(dir, 'root'), storage, host: HOST, registries: registries(), discardUnpackedLayers: true });
  const ref = `${reg.host}/d/app:1`;
  let svc = await open();
  try {
    const r = await svc.pull(ref);
    assert.equal(r.image.id, img.id);
    assert.equal(r.bytes, img.layers.reduce((n, l) => n + l.size, 0));
    assert.deepEqual(await blobsIn({ dir, svc, storage }), [img.config.digest, img.manifest.digest].sort());
    assert.deepEqual(await tmpEntries({ dir, svc, storage }), []);
    assert.equal(await layerCount({ dir, svc, storage }), 2);
    assert.equal((await svc.status(ref))?.size, sizeOf(img));
    const paths = svc.layerPaths(img.id);
    assert.equal((await readFile(join(paths[1]!, 'Files/Windows/a.bin'), 'utf8')).length, big(400_000).length);
    // Pulled again: the imported layers are enough, nothing is downloaded.
    assert.equal((await svc.pull(ref)).bytes, 0);

    svc.close();
    svc = await open();
    assert.equal((await svc.status(ref))?.id, img.id);
    assert.equal((await svc.status(img.id))?.size, sizeOf(img));
    assert.deepEqual(svc.layerPaths(img.id), paths);
    assert.equal((await svc.pull(ref)).bytes, 0);

    await svc.remove(ref);
    assert.equal(await svc.status(img.id), undefined);
    assert.equal(await layerCount({ dir, svc, storage }), 0);
    assert.deepEqual(await blobsIn({ dir, svc, storage }), []);
    const imports = storage.imports();
    const again = await svc.pull(ref);
    assert.equal(again.bytes, img.layers.reduce((n, l) => n + l.size, 0));
    assert.equal(storage.imports(), imports + 2);
    assert.equal((await svc.status(ref))?.size, sizeOf(img));
    assert.equal(await layerCount({ dir, svc, storage }), 2);
  } finally {
    svc.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('wrong bytes from the registry: InvalidArgument naming the digest, nothing kept', () => withService({ registries: registries(), discardUnpackedLayers: true }, async (c) => {
  const d = img.layers[0]!.digest;
  proxy.fault = (_m, path) => (path === `/v2/d/app/blobs/${d}` ? { kind: 'corrupt', at: 5000 } : undefined);
  try {
    await assert.rejects(c.svc.pull(`${proxy.host}/d/app:1`), (e) => isRuntimeError(e, 'InvalidArgument') && new RegExp(`layer ${d}: digest mismatch`).test((e as Error).message));
  } finally {
    proxy.fault = () => undefined;
  }
  assert.ok((await blobsIn(c)).every((b) => !img.layers.some((l) => l.digest === b)));
  assert.deepEqual(await tmpEntries(c), []);
  assert.equal(await layerCount(c), 0);
}));

test('content that does not match its diff ID, and a damaged gzip stream: InvalidArgument, nothing kept', () => withService({ registries: registries(), discardUnpackedLayers: true }, async (c) => {
  await assert.rejects(c.svc.pull(`${reg.host}/d/wrongdiff:1`), (e) => isRuntimeError(e, 'InvalidArgument') && /uncompressed content hashes to/.test((e as Error).message));
  await assert.rejects(c.svc.pull(`${reg.host}/d/damaged:1`), (e) => isRuntimeError(e, 'InvalidArgument') && new RegExp(`layer ${damaged.layers[0]!.digest}`).test((e as Error).message));
  assert.ok((await blobsIn(c)).every((b) => b !== wrongDiff.layers[0]!.digest && b !== damaged.layers[0]!.digest));
  assert.deepEqual(await tmpEntries(c), []);
  assert.equal(await layerCount(c), 0);
  assert.equal(await c.svc.status(wrongDiff.id), undefined);
  assert.equal(await c.svc.status(damaged.id), undefined);
}));
