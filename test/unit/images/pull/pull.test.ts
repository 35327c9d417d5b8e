/**
 * Pulls from a real docker-registry (distribution v2, plain HTTP, configured as insecure): tags and digests,
 * Docker schema2 and OCI, platform selection from indexes, mirrors, foreign layers, shared concurrent pulls.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isRuntimeError } from '../../../../src/errors.js';
import { selectManifest } from '../../../../src/images/pull/puller.js';
import { startRegistry, startFaultProxy, startBlobServer, makeImage, makeIndex, Pusher, type Registry } from '../../../helpers/registry.js';
import { withService, blobsIn, tmpEntries, layerCount } from './common.js';

let reg: Registry;
let mirror: Registry;
let push: Pusher;

before(async () => {
  [reg, mirror] = await Promise.all([startRegistry(), startRegistry()]);
  push = new Pusher({ url: reg.url });
});
after(async () => { await Promise.all([reg?.stop(), mirror?.stop()]); });

const insecure = () => ({ [reg.host]: { insecure: true } });

test('pulls a Docker schema2 image by tag: ID, names, layers unpacked in order, status/list/remove consistent', () => withService({ registries: insecure() }, async (c) => {
  const img = makeImage({ layers: [{ 'Windows/base.txt': 'base', 'app/old.txt': 'old' }, { 'app/run.cmd': 'echo hi', 'app/old.txt': { whiteout: true } }, { 'app/3.txt': '3' }] });
  await push.image('win/app', 'v1', img);
  const r = await c.svc.pull(`${reg.host}/win/app:v1`);
  assert.equal(r.image.id, img.id);
  assert.deepEqual(r.image.repoTags, [`${reg.host}/win/app:v1`]);
  assert.deepEqual(r.image.repoDigests, [`${reg.host}/win/app@${img.manifest.digest}`]);
  assert.equal(r.bytes, img.layers.reduce((n, l) => n + l.size, 0));
  const paths = c.svc.layerPaths(img.id);
  assert.equal(paths.length, 3);
  assert.equal(await readFile(join(paths[1]!, 'Files/app/run.cmd'), 'utf8'), 'echo hi');
  assert.deepEqual(JSON.parse(await readFile(join(paths[1]!, 'whiteouts.json'), 'utf8')), ['app/old.txt']);
  assert.equal(await readFile(join(paths[2]!, 'Files/Windows/base.txt'), 'utf8'), 'base');
  // parents passed to the storage import, base first imported first
  const imports = c.storage.calls.filter((x) => x.op === 'import');
  assert.deepEqual(imports.map((x) => x.parents!.length), [0, 1, 2]);
  // every blob kept: config, manifest, layers
  assert.deepEqual(await blobsIn(c), [img.config.digest, img.manifest.digest, ...img.layers.map((l) => l.digest)].sort());
  assert.deepEqual(await tmpEntries(c), []);
  assert.equal((await c.svc.status(`${reg.host}/win/app:v1`))?.id, img.id);
  assert.equal((await c.svc.status(img.id))?.id, img.id);
  assert.equal((await c.svc.list()).length, 1);
  // pull again: nothing downloaded, same record
  const again = await c.svc.pull(`${reg.host}/win/app:v1`);
  assert.equal(again.bytes, 0);
  assert.equal(c.storage.imports(), 3);
  await c.svc.remove(`${reg.host}/win/app:v1`);
  assert.equal(await c.svc.status(img.id), undefined);
  assert.deepEqual(await blobsIn(c), []);
  assert.equal(await layerCount(c), 0);
}));

test('by digest and tag@digest: recorded with the digest reference only; a digest the registry lacks is NotFound', () => withService({ registries: insecure() }, async (c) => {
  const img = makeImage({ format: 'oci', layers: [{ 'x.txt': 'digest' }] });
  await push.image('win/bydigest', 'latest', img);
  const r = await c.svc.pull(`${reg.host}/win/bydigest@${img.manifest.digest}`);
  assert.equal(r.image.id, img.id);
  assert.deepEqual(r.image.repoTags, []);
  assert.deepEqual(r.image.repoDigests, [`${reg.host}/win/bydigest@${img.manifest.digest}`]);
  const r2 = await c.svc.pull(`${reg.host}/win/bydigest:latest@${img.manifest.digest}`);
  assert.equal(r2.image.id, img.id);
  assert.equal((await c.svc.status(`${reg.host}/win/bydigest@${img.manifest.digest}`))?.id, img.id);
  const missing = `sha256:${'0'.repeat(64)}`;
  await assert.rejects(c.svc.pull(`${reg.host}/win/bydigest@${missing}`), (e) => isRuntimeError(e, 'NotFound'));
  await assert.rejects(c.svc.pull(`${reg.host}/win/nosuchrepo:1`), (e) => isRuntimeError(e, 'NotFound') && /nosuchrepo|manifest/.test((e as Error).message));
  await assert.rejects(c.svc.pull('Invalid Ref'), (e) => isRuntimeError(e, 'InvalidArgument'));
}));

test('multi-platform index: the highest compatible revision for the host build; Hyper-V may take older builds; clear error otherwise', async () => {
  const builds = ['10.0.17763.5', '10.0.20348.5', '10.0.20348.9', '10.0.26100.1'];
  const images = builds.map((v) => makeImage({ osVersion: v, layers: [{ 'build.txt': v }] }));
  const linux = makeImage({ os: 'linux', layers: [{ 'linux.txt': 'l' }] });
  const all = [...images, linux];
  const index = makeIndex(all);
  await push.index('win/multi', '1', all, index);
  await withService({ registries: insecure() }, async (c) => {
    const r = await c.svc.pull(`${reg.host}/win/multi:1`);
    assert.equal(r.image.id, images[2]!.id, 'host 10.0.20348 picks 10.0.20348.9');
    assert.deepEqual(r.image.repoDigests, [`${reg.host}/win/multi@${index.digest}`]);
    assert.ok((await blobsIn(c)).includes(index.digest), 'the index is kept');
  });
  await withService({ registries: insecure(), host: { osVersion: '10.0.26100', architecture: 'amd64' } }, async (c) => {
    assert.equal((await c.svc.pull(`${reg.host}/win/multi:1`)).image.id, images[3]!.id);
  });
  // A host newer than every offer: process isolation refuses (no 17763 on 20348's window), Hyper-V takes the highest older.
  const old = makeIndex([images[0]!, linux]);
  await push.manifest('win/multi', 'old', old);
  await withService({ registries: insecure() }, async (c) => {
    await assert.rejects(c.svc.pull(`${reg.host}/win/multi:old`), (e: Error) => {
      assert.ok(isRuntimeError(e, 'FailedPrecondition'), e.message);
      assert.match(e.message, /OS build 10\.0\.20348/);
      assert.match(e.message, /windows\/amd64 10\.0\.17763\.5/);
      assert.match(e.message, /linux\/amd64/);
      return true;
    });
    assert.deepEqual(await blobsIn(c), []);
    assert.equal((await c.svc.pull(`${reg.host}/win/multi:old`, { isolation: 'hyperv' })).image.id, images[0]!.id);
  });
  // A single-platform Linux image is refused.
  await push.image('win/linux', '1', linux);
  await withService({ registries: insecure() }, async (c) => {
    await assert.rejects(c.svc.pull(`${reg.host}/win/linux:1`), /linux\/amd64 image; wincri runs Windows images only/);
  });
});

test('selectManifest: arch, os.version window, revision order, arm64 hosts', () => {
  const d = (os: string, arch: string, v?: string) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${(os + arch + (v ?? '')).padEnd(64, '0').replace(/[^a-f0-9]/g, 'a').slice(0, 64)}`, size: 1, platform: { os, architecture: arch, ...(v ? { 'os.version': v } : {}) } });
  const list = [d('windows', 'amd64', '10.0.20348.100'), d('windows', 'arm64', '10.0.26100.7'), d('windows', 'amd64', '10.0.26100.3'), d('windows', 'amd64', '10.0.26100.12')];
  assert.equal(selectManifest(list, { osVersion: '10.0.26100', architecture: 'amd64' }, 'process', 'x'), list[3]);
  assert.equal(selectManifest(list, { osVersion: '10.0.26100', architecture: 'arm64' }, 'process', 'x'), list[1]);
  assert.equal(selectManifest(list, { osVersion: '10.0.20348', architecture: 'amd64' }, 'process', 'x'), list[0]);
  assert.throws(() => selectManifest(list, { osVersion: '10.0.17763', architecture: 'amd64' }, 'process', 'x'), /10\.0\.17763.*offered: windows\/amd64 10\.0\.20348\.100/);
});

test('plain HTTP is refused for a registry not configured as insecure', () => withService({}, async (c) => {
  await push.image('win/secure', '1', makeImage());
  await assert.rejects(c.svc.pull(`${reg.host}/win/secure:1`), (e) => isRuntimeError(e, 'Unavailable'));
  assert.equal((await c.svc.list()).length, 0);
}));

test('mirrors: tried in order before the host; a mirror without the image falls through; the requested name is recorded', async () => {
  const img = makeImage({ layers: [{ 'm.txt': 'mirror' }] });
  await new Pusher({ url: mirror.url }).image('team/app', '2', img);
  const empty = await startFaultProxy(reg.url); // a mirror that answers 404 for everything
  empty.fault = () => ({ kind: 'status', status: 404 });
  try {
    await withService({ registries: { 'unreachable.invalid:5000': { mirrors: [`${empty.url}`, `${mirror.url}/v2`] } } }, async (c) => {
      const r = await c.svc.pull('unreachable.invalid:5000/team/app:2');
      assert.equal(r.image.id, img.id);
      assert.deepEqual(r.image.repoTags, ['unreachable.invalid:5000/team/app:2']);
      assert.deepEqual(r.image.repoDigests, [`unreachable.invalid:5000/team/app@${img.manifest.digest}`]);
      assert.ok(empty.log.some((l) => l.startsWith('GET /v2/team/app/manifests/2')), 'first mirror asked first');
      assert.equal((await c.svc.status('unreachable.invalid:5000/team/app:2'))?.id, img.id);
    });
    // docker.io names: busybox → docker.io/library/busybox:latest through a mirror
    await new Pusher({ url: mirror.url }).image('library/busybox', 'latest', img);
    await withService({ registries: { 'docker.io': { mirrors: [mirror.url] } } }, async (c) => {
      const r = await c.svc.pull('busybox');
      assert.deepEqual(r.image.repoTags, ['docker.io/library/busybox:latest']);
      assert.equal((await c.svc.status('busybox'))?.id, img.id);
    });
    // every endpoint failing: an error naming the mirrors tried
    await withService({ registries: { 'unreachable.invalid:5000': { mirrors: [empty.url] } } }, async (c) => {
      empty.fault = () => ({ kind: 'status', status: 503 });
      await assert.rejects(c.svc.pull('unreachable.invalid:5000/team/app:2'), (e: Error) => /mirrors tried first/.test(e.message) && isRuntimeError(e, 'Unavailable'));
    });
  } finally {
    await empty.close();
  }
});

test('foreign layers are fetched from their URLs (digest verified) when allowed, from the registry otherwise', async () => {
  const base = makeImage({ layers: [{ 'Windows/System32/kernel.txt': 'k' }, { 'app.txt': 'a' }] });
  const files: Record<string, Buffer> = { '/base.tar.gz': base.layers[0]!.data, '/bad.tar.gz': Buffer.concat([base.layers[0]!.data.subarray(0, 10), Buffer.alloc(base.layers[0]!.size - 10)]) };
  const srv = await startBlobServer(files);
  try {
    const img = makeImage({ layers: [{ 'Windows/System32/kernel.txt': 'k' }, { 'app.txt': 'a' }], foreign: { 0: `${srv.url}/base.tar.gz` } });
    await push.image('win/foreign', '1', img, [0]); // the registry does not have the foreign layer
    await withService({ registries: insecure() }, async (c) => {
      const r = await c.svc.pull(`${reg.host}/win/foreign:1`);
      assert.equal(r.image.id, img.id);
      assert.equal(srv.hits['/base.tar.gz'], 1);
    });
    await withService({ registries: insecure(), allowForeignLayers: false }, async (c) => {
      await assert.rejects(c.svc.pull(`${reg.host}/win/foreign:1`), (e) => isRuntimeError(e, 'NotFound') || isRuntimeError(e, 'Unavailable'));
      assert.equal(srv.hits['/base.tar.gz'], 1, 'URL not used');
      assert.deepEqual(await tmpEntries(c), []);
    });
    // A URL serving the wrong bytes: digest mismatch, nothing kept.
    const evil = makeImage({ layers: [{ 'Windows/System32/kernel.txt': 'k' }, { 'app.txt': 'b' }], foreign: { 0: `${srv.url}/bad.tar.gz` } });
    await push.image('win/foreign', '2', evil, [0]);
    await withService({ registries: insecure() }, async (c) => {
      await assert.rejects(c.svc.pull(`${reg.host}/win/foreign:2`), /digest mismatch/);
      assert.deepEqual(await blobsIn(c), []);
      assert.deepEqual(await tmpEntries(c), []);
    });
  } finally {
    await srv.close();
  }
});

test('concurrent pulls of the same image share one download; a shared base layer is fetched once', async () => {
  const proxy = await startFaultProxy(reg.url);
  try {
    const baseLayer = { 'Windows/shared.txt': 'x'.repeat(200_000) };
    const a = makeImage({ layers: [baseLayer, { 'a.txt': 'a' }] });
    const b = makeImage({ layers: [baseLayer, { 'b.txt': 'b' }] });
    await push.image('win/share', 'a', a);
    await push.image('win/share', 'b', b);
    await withService({ registries: { [proxy.host]: { insecure: true } } }, async (c) => {
      const [r1, r2, r3] = await Promise.all([
        c.svc.pull(`${proxy.host}/win/share:a`), c.svc.pull(`${proxy.host}/win/share:a`), c.svc.pull(`${proxy.host}/win/share:b`),
      ]);
      assert.equal(r1.image.id, a.id);
      assert.equal(r2.image.id, a.id);
      assert.equal(r3.image.id, b.id);
      const gets = (d: string) => proxy.log.filter((l) => l.startsWith(`GET /v2/win/share/blobs/${d}`)).length;
      assert.equal(gets(a.layers[0]!.digest), 1, 'shared base layer downloaded once');
      assert.equal(gets(a.layers[1]!.digest), 1);
      assert.equal(proxy.log.filter((l) => l.startsWith('GET /v2/win/share/manifests/a')).length, 1, 'identical pulls share one job');
      assert.equal(c.storage.imports(), 3);
    });
  } finally {
    await proxy.close();
  }
});
