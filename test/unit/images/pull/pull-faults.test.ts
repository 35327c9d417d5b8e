/**
 * Fault tests through a proxy in front of a real docker-registry: 500 then success, a connection cut mid-layer
 * (resumed with Range), a server ignoring Range, wrong digest, truncated blob, and a slow registry with a pull
 * the caller cancels. Failures leave no partial blob, staging folder or layer behind.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isRuntimeError } from '../../../../src/errors.js';
import { setLogSink } from '../../../../src/util/log.js';
import { buildLayerTar } from '../../../helpers/image-builder.js';
import { startRegistry, startFaultProxy, makeImage, Pusher, type Registry, type FaultProxy } from '../../../helpers/registry.js';
import { withService, blobsIn, tmpEntries, layerCount } from './common.js';
import { waitFor } from '../../../helpers/wait-for.js';

const poll = { timeoutMs: 120_000, intervalMs: 5 };

let reg: Registry;
let proxy: FaultProxy;
// incompressible content so layers have a real size on the wire
const big = (n: number) => randomBytes(n).toString('base64');
const img = makeImage({ layers: [{ 'a.bin': big(600_000) }, { 'b.bin': big(300_000) }] });
const plain = makeImage({ gzip: false, layers: [{ 'p.txt': 'plain text content '.repeat(1000) }] });
// several MiB on the wire: the unpack worker gets its first batch well before the download ends
const large = makeImage({ layers: [{ 'l.bin': big(6_000_000) }] });

before(async () => {
  reg = await startRegistry();
  proxy = await startFaultProxy(reg.url);
  const push = new Pusher({ url: reg.url });
  await push.image('f/app', '1', img);
  await push.image('f/plain', '1', plain);
  await push.image('f/large', '1', large);
});
after(async () => { await proxy?.close(); await reg?.stop(); });

const registries = () => ({ [proxy.host]: { insecure: true } });
const ref = () => `${proxy.host}/f/app:1`;
const isBlob = (path: string, d: string) => path === `/v2/f/app/blobs/${d}` || path === `/v2/f/plain/blobs/${d}`;

test('HTTP 500 on the manifest and on a layer, then success: retried with backoff', () => withService({ registries: registries() }, async (c) => {
  proxy.log.length = 0;
  let manifestFails = 2;
  let layerFails = 1;
  proxy.fault = (m, path) => {
    if (path.startsWith('/v2/f/app/manifests/') && manifestFails > 0) { manifestFails--; return { kind: 'status', status: 500 }; }
    if (isBlob(path, img.layers[1]!.digest) && layerFails > 0) { layerFails--; return { kind: 'status', status: 503 }; }
    return undefined;
  };
  // The layer's retry is logged by the unpack worker that fetches it: the line reaches the daemon's sink.
  const lines: string[] = [];
  const restore = setLogSink((l) => { lines.push(l); });
  let r;
  try { r = await c.svc.pull(ref()); } finally { restore(); }
  assert.equal(r.image.id, img.id);
  assert.ok(lines.some((l) => l.includes('download interrupted; resuming') && l.includes(`blob ${img.layers[1]!.digest}`)), `the worker's retry line reached the daemon's log: ${lines.join('')}`);
  assert.equal(proxy.log.filter((l) => l.startsWith('GET /v2/f/app/manifests/1')).length, 3);
  assert.equal(proxy.log.filter((l) => l.startsWith(`GET /v2/f/app/blobs/${img.layers[1]!.digest}`)).length, 2);
}));

test('a registry that keeps failing: Unavailable after the retries, nothing left behind', () => withService({ registries: registries(), pullRetries: 2 }, async (c) => {
  proxy.fault = (m, path) => (isBlob(path, img.layers[0]!.digest) ? { kind: 'status', status: 502 } : undefined);
  await assert.rejects(c.svc.pull(ref()), (e) => isRuntimeError(e, 'Unavailable') && /502/.test((e as Error).message));
  assert.deepEqual(await blobsIn(c), []);
  assert.deepEqual(await tmpEntries(c), []);
  assert.equal(await layerCount(c), 0);
}));

test('connection cut mid-layer: the download resumes with Range and the layer verifies', () => withService({ registries: registries() }, async (c) => {
  proxy.log.length = 0;
  let cuts = 1;
  const d = img.layers[0]!.digest;
  proxy.fault = (m, path, range) => {
    if (isBlob(path, d) && !range && cuts > 0) { cuts--; return { kind: 'cut', after: 200_000 }; }
    return undefined;
  };
  const r = await c.svc.pull(ref());
  assert.equal(r.image.id, img.id);
  const gets = proxy.log.filter((l) => l.startsWith(`GET /v2/f/app/blobs/${d}`));
  assert.equal(gets.length, 2);
  assert.match(gets[1]!, /bytes=\d+-$/);
  const offset = Number(/bytes=(\d+)-/.exec(gets[1]!)![1]);
  assert.ok(offset > 0 && offset <= 200_000, `resumed at ${offset}`);
  assert.equal(r.bytes, img.layers[0]!.size + img.layers[1]!.size, 'no byte counted twice');
}));

test('a cut where the server then ignores Range: the repeated prefix is skipped', () => withService({ registries: registries() }, async (c) => {
  let cuts = 1;
  const d = img.layers[1]!.digest;
  proxy.fault = (m, path, range) => {
    if (!isBlob(path, d)) return undefined;
    if (!range && cuts > 0) { cuts--; return { kind: 'cut', after: 100_000 }; }
    return range ? { kind: 'noRange' } : undefined;
  };
  assert.equal((await c.svc.pull(ref())).image.id, img.id);
}));

test('wrong digest: the pull fails naming the layer, the partial blob is deleted', () => withService({ registries: registries() }, async (c) => {
  const d = plain.layers[0]!.digest;
  proxy.fault = (m, path) => (isBlob(path, d) ? { kind: 'corrupt', at: 3000 } : undefined);
  await assert.rejects(c.svc.pull(`${proxy.host}/f/plain:1`), (e) => isRuntimeError(e, 'InvalidArgument') && new RegExp(`layer ${d}: digest mismatch`).test((e as Error).message));
  assert.deepEqual(await blobsIn(c), []);
  assert.deepEqual(await tmpEntries(c), []);
  assert.equal(await layerCount(c), 0);
}));

test('truncated blob (consistent but short response): size mismatch, nothing kept', () => withService({ registries: registries() }, async (c) => {
  const d = img.layers[1]!.digest;
  proxy.fault = (m, path) => (isBlob(path, d) ? { kind: 'truncate', bytes: 1000 } : undefined);
  await assert.rejects(c.svc.pull(ref()), (e) => /size mismatch/.test((e as Error).message) && isRuntimeError(e, 'InvalidArgument'));
  assert.deepEqual(await blobsIn(c), []);
  assert.deepEqual(await tmpEntries(c), []);
  assert.equal(await layerCount(c), 0);
}));

test('damaged gzip header and a short body: the size mismatch of the download is the error, not the gzip error it caused', () => withService({ registries: registries() }, async (c) => {
  // The unpack worker's gunzip fails on the first byte; the rest of the download is still taken in (to tell a
  // digest mismatch), and its failure, the cause, is what the client gets.
  const d = large.layers[0]!.digest;
  // Byte 3 is the gzip header's flags: reserved bits set fail the first batch at once.
  proxy.fault = (m, path) => (path === `/v2/f/large/blobs/${d}` ? { kind: 'corrupt', at: 3, truncate: 1000 } : undefined);
  await assert.rejects(c.svc.pull(`${proxy.host}/f/large:1`), (e) => isRuntimeError(e, 'InvalidArgument') && new RegExp(`layer ${d}: size mismatch`).test((e as Error).message) && !/gzip/.test((e as Error).message));
  assert.deepEqual(await blobsIn(c), []);
  assert.deepEqual(await tmpEntries(c), []);
}));

/** Resolves when `cond` holds (checked every 5 ms; the test's own timeout bounds it). */
/** A registry that holds every layer body after its first chunk until `open()`: the pull is mid-layer, always. */
function stallLayers(): { open: () => void; requested: () => boolean } {
  let open!: () => void;
  const gate = new Promise<void>((r) => { open = r; });
  const layerPaths = img.layers.map((l) => `/v2/f/app/blobs/${l.digest}`);
  proxy.log.length = 0;
  proxy.fault = (m, path) => (layerPaths.includes(path) ? { kind: 'stall', until: gate } : undefined);
  return { open, requested: () => proxy.log.some((l) => layerPaths.some((lp) => l.startsWith(`GET ${lp}`))) };
}

test('slow registry, cancelled pull: Cancelled, no partial blob, staging or layer; shared pulls never reject unhandled', () => withService({ registries: registries() }, async (c) => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => { unhandled.push(e); };
  process.on('unhandledRejection', onUnhandled);
  try {
    // One caller cancels mid-layer: Cancelled, and the store settles back to empty.
    const stall = stallLayers();
    const ac = new AbortController();
    const p = c.svc.pull(ref(), { signal: ac.signal });
    await waitFor('a layer request', stall.requested, poll);
    ac.abort();
    await assert.rejects(p, (e) => isRuntimeError(e, 'Cancelled'));
    stall.open();
    await waitFor('no temporary file, blob or layer left', async () => (await tmpEntries(c)).length === 0 && !(await blobsIn(c)).some((b) => img.layers.some((l) => l.digest === b)) && (await layerCount(c)) === 0, poll);

    // A second waiter keeps a shared pull alive when the first one leaves.
    const keep = stallLayers();
    const ac2 = new AbortController();
    const first = c.svc.pull(ref(), { signal: ac2.signal });
    const second = c.svc.pull(ref());
    await waitFor('a layer request', keep.requested, poll);
    ac2.abort();
    await assert.rejects(first, (e) => isRuntimeError(e, 'Cancelled'));
    keep.open();
    assert.equal((await second).image.id, img.id);
    await c.svc.remove(ref());
    await waitFor('no layer left', async () => (await layerCount(c)) === 0, poll);

    // Every waiter of a shared pull leaves, and a new pull of the same image starts while the abandoned one is
    // still cleaning up: the new pull must not join the abandoned one (which rejected before anyone awaited it).
    for (let i = 0; i < 25; i++) {
      const s = stallLayers();
      const a = new AbortController();
      const b = new AbortController();
      const x = c.svc.pull(ref(), { signal: a.signal });
      const y = c.svc.pull(ref(), { signal: b.signal });
      await waitFor('a layer request', s.requested, poll);
      a.abort();
      b.abort();
      const fresh = c.svc.pull(ref());
      s.open();
      await assert.rejects(x, (e) => isRuntimeError(e, 'Cancelled'));
      await assert.rejects(y, (e) => isRuntimeError(e, 'Cancelled'));
      assert.equal((await fresh).image.id, img.id, `iteration ${i}: the new pull succeeds`);
      await c.svc.remove(ref());
      await waitFor('no layer and no temporary file left', async () => (await layerCount(c)) === 0 && (await tmpEntries(c)).length === 0, poll);
    }
    // Rejections are reported after the microtask queue drains: let one macrotask pass before looking.
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(unhandled.map(String), []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
}));

test('hostile layer from a registry: refused with the unpacker error, partial layer removed', async () => {
  const { buildTar } = await import('../../../../src/images/tar/write.js');
  const evil = makeImage({ rawLayers: [buildLayerTar({ 'ok.txt': 'fine' }), buildTar([{ name: 'Files/../../escape.txt', data: 'x' }])] });
  await new Pusher({ url: reg.url }).image('f/evil', '1', evil);
  proxy.fault = () => undefined;
  await withService({ registries: registries() }, async (c) => {
    await assert.rejects(c.svc.pull(`${proxy.host}/f/evil:1`), (e) => isRuntimeError(e, 'InvalidArgument') && /'\.\.' segment/.test((e as Error).message));
    assert.deepEqual(await tmpEntries(c), []);
    assert.equal(await layerCount(c), 0);
    assert.deepEqual(await blobsIn(c), []);
  });
});

test('a layer whose gzip header file name never ends: InvalidArgument, nothing left behind', async () => {
  // gzip magic, deflate, FNAME set, then 2 MiB of name with no terminating zero (gunzip-raw.ts caps it at 64 KiB).
  const endless = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 8, 0, 0, 0, 0, 0, 0xff]), Buffer.alloc(2 << 20, 'n')]);
  const bad = makeImage({ gzip: false, rawLayers: [buildLayerTar({ 'ok.txt': 'fine' }), endless] });
  await new Pusher({ url: reg.url }).image('f/endless', '1', bad);
  proxy.fault = () => undefined;
  await withService({ registries: registries() }, async (c) => {
    await assert.rejects(c.svc.pull(`${proxy.host}/f/endless:1`), (e) => isRuntimeError(e, 'InvalidArgument') && /file name longer than 65536 bytes/.test((e as Error).message));
    assert.deepEqual(await tmpEntries(c), []);
    assert.equal(await layerCount(c), 0);
  });
});
