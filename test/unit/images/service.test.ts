import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readdir, readFile, lstat, readlink } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageService } from '../../../src/images/service.js';
import { isRuntimeError } from '../../../src/errors.js';
import { buildWindowsImageDetailed, buildLayerTar } from '../../helpers/image-builder.js';
import { buildTar } from '../../../src/images/tar/write.js';
import { FakeStorage } from './fake-storage.js';

const HOST = { osVersion: '10.0.20348', architecture: 'amd64' };

async function setup(fn: (ctx: { dir: string; svc: ImageService; storage: FakeStorage; reopen: () => Promise<ImageService> }) => Promise<void>, opts: { maxLayerBytes?: number; host?: typeof HOST } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'wincri-images-'));
  const storage = new FakeStorage();
  const open = () => ImageService.open({ root: join(dir, 'root'), storage, host: opts.host ?? HOST, maxLayerBytes: opts.maxLayerBytes });
  try {
    await fn({ dir, svc: await open(), storage, reopen: open });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const blobCount = async (dir: string) => (await readdir(join(dir, 'root/images/blobs/sha256'))).length;
const layerDirs = async (dir: string) => (await readdir(join(dir, 'root/images/layers'))).sort();

test('imports an OCI archive: record fields, layers in transport form, lookup by every kind of reference', () => setup(async ({ dir, svc, storage, reopen }) => {
  const b = await buildWindowsImageDetailed({
    dir, format: 'oci', names: ['busybox', 'registry.local:5000/team/app:v1'],
    layers: [{ 'Windows/base.txt': 'base', 'app/old.txt': 'old' }, { 'app/run.cmd': { content: 'echo hi', mode: 0o755 }, 'app/old.txt': { whiteout: true }, 'app/link': { symlink: 'run.cmd' } }],
    config: { Entrypoint: ['cmd', '/c'], Cmd: ['run.cmd'], Env: ['A=1'], WorkingDir: 'C:\\app', User: 'ContainerUser', Labels: { l: 'v' } },
  });
  const out = await svc.importArchive(b.path);
  assert.deepEqual(out, [{ id: b.id, names: ['docker.io/library/busybox:latest', 'registry.local:5000/team/app:v1'] }]);
  const img = await svc.resolve(b.id);
  assert.deepEqual(img.repoTags, ['docker.io/library/busybox:latest', 'registry.local:5000/team/app:v1']);
  assert.deepEqual(img.repoDigests, [`docker.io/library/busybox@${b.manifestDigest}`, `registry.local:5000/team/app@${b.manifestDigest}`]);
  assert.equal(img.username, 'ContainerUser');
  assert.equal(img.uid, undefined);
  assert.equal(img.pinned, false);
  assert.equal(img.config.os, 'windows');
  assert.equal(img.config.osVersion, '10.0.20348.1');
  assert.deepEqual(img.config.entrypoint, ['cmd', '/c']);
  assert.deepEqual(img.config.cmd, ['run.cmd']);
  assert.deepEqual(img.config.env, ['A=1']);
  assert.equal(img.config.workingDir, 'C:\\app');
  assert.deepEqual(img.config.labels, { l: 'v' });
  assert.equal(img.chainIds.length, 2);
  assert.equal(img.chainIds[0], img.diffIds[0]);
  const cfgSize = (await readFile(join(dir, 'root/images/blobs/sha256', b.id.slice(7)))).length;
  const layerSizes = await Promise.all(b.layerDigests.map(async (d) => (await readFile(join(dir, 'root/images/blobs/sha256', d.slice(7)))).length));
  assert.equal(img.size, cfgSize + layerSizes[0]! + layerSizes[1]!);

  const paths = svc.layerPaths(b.id);
  assert.deepEqual(paths, [...img.chainIds].reverse().map((c) => join(dir, 'root/images/layers', c.slice(7))));
  assert.equal(await readFile(join(paths[0]!, 'Files/app/run.cmd'), 'utf8'), 'echo hi');
  assert.equal((await lstat(join(paths[0]!, 'Files/app/run.cmd'))).mode & 0o777, 0o755);
  assert.equal(await readlink(join(paths[0]!, 'Files/app/link')), 'run.cmd');
  assert.deepEqual(JSON.parse(await readFile(join(paths[0]!, 'whiteouts.json'), 'utf8')), ['app/old.txt']);
  const meta = JSON.parse(await readFile(join(paths[0]!, 'metadata.json'), 'utf8'));
  assert.equal(meta['Files/app/run.cmd'].fileAttributes, 32);
  assert.ok(meta['Files/app/run.cmd'].securityDescriptor);
  assert.equal(meta['Files/app'].fileAttributes, 16);
  assert.match(meta['Files/app/run.cmd'].creationTime, /^1700000000/);
  assert.ok(existsSync(join(paths[1]!, 'Hives')));
  // the top layer was imported with its parent
  const imp = storage.calls.filter((c) => c.op === 'import');
  assert.deepEqual(imp.map((c) => c.parents), [[], [paths[1]]]);

  const short = b.id.slice(7, 20);
  for (const ref of [b.id, b.id.slice(7), short, `sha256:${short}`, 'busybox', 'busybox:latest', 'library/busybox', 'docker.io/library/busybox:latest',
    'registry.local:5000/team/app:v1', `busybox@${b.manifestDigest}`, `docker.io/library/busybox:latest@${b.manifestDigest}`, `registry.local:5000/team/app@${b.manifestDigest}`]) {
    assert.equal((await svc.status(ref))?.id, b.id, ref);
  }
  for (const ref of ['busybox:1', 'registry.local:5000/team/app', `other@${b.manifestDigest}`, 'f'.repeat(64), 'ffff']) {
    assert.equal(await svc.status(ref), undefined, ref);
  }
  await assert.rejects(svc.resolve('nothere'), (e: unknown) => isRuntimeError(e, 'NotFound'));
  await assert.rejects(svc.resolve('Bad:Ref!'), (e: unknown) => isRuntimeError(e, 'InvalidArgument') && /invalid image reference/.test((e as Error).message));
  assert.deepEqual((await svc.list({ image: 'busybox' })).map((i) => i.id), [b.id]);
  assert.deepEqual(await svc.list({ image: 'nope' }), []);

  const fs = await svc.fsInfo();
  assert.equal(fs.mountpoint, join(dir, 'root/images'));
  assert.ok(fs.usedBytes > 0 && fs.inodesUsed > 0 && fs.timestampNs > 0n);

  // persisted: a new instance sees the same image
  const again = await reopen();
  assert.deepEqual(await again.resolve('busybox'), img);
}));

test('imports a docker save archive; numeric users; re-import is idempotent; shared layers imported once', () => setup(async ({ dir, svc, storage }) => {
  const base = { 'Windows/system.txt': 'sys' };
  const a = await buildWindowsImageDetailed({ dir, format: 'docker', names: ['example.com/a:1'], layers: [base, { 'a.txt': 'a' }], config: { User: '1000:1000' } });
  const out = await svc.importArchive(a.path);
  assert.deepEqual(out, [{ id: a.id, names: ['example.com/a:1'] }]);
  const img = await svc.resolve('example.com/a:1');
  assert.equal(img.uid, 1000);
  assert.equal(img.username, undefined);
  assert.deepEqual(img.repoDigests, []);
  assert.ok(img.size > 0);
  assert.equal(storage.imports(), 2);
  await svc.importArchive(a.path);
  assert.equal(storage.imports(), 2, 're-import imports no layer again');
  assert.equal((await svc.list()).length, 1);
  const b = await buildWindowsImageDetailed({ dir, format: 'oci', names: ['example.com/b:1'], layers: [base, { 'b.txt': 'b' }] });
  await svc.importArchive(b.path);
  assert.equal(storage.imports(), 3, 'the shared base layer is imported once');
  assert.equal((await svc.resolve('example.com/b:1')).chainIds[0], img.chainIds[0]);
}));

test('tag moves, remove with all names, GC of layers and blobs, in-use refusal', () => setup(async ({ dir, svc }) => {
  const base = { 'Windows/system.txt': 'sys' };
  const a = await buildWindowsImageDetailed({ dir, format: 'oci', names: ['app:1', 'app:latest', 'other/app:x'], layers: [base, { 'v.txt': '1' }] });
  const b = await buildWindowsImageDetailed({ dir, format: 'oci', names: ['app:2'], layers: [base, { 'v.txt': '2' }] });
  await svc.importArchive(a.path);
  await svc.importArchive(b.path);
  assert.equal((await layerDirs(dir)).length, 3);
  const blobsBoth = await blobCount(dir);
  // the tag app:latest moves to b
  const b2 = await buildWindowsImageDetailed({ dir, format: 'oci', names: ['app:latest'], layers: [base, { 'v.txt': '2' }] });
  assert.equal(b2.id, b.id);
  await svc.importArchive(b2.path);
  assert.deepEqual((await svc.resolve(a.id)).repoTags, ['docker.io/library/app:1', 'docker.io/other/app:x']);
  assert.deepEqual((await svc.resolve(b.id)).repoTags, ['docker.io/library/app:2', 'docker.io/library/app:latest']);
  assert.equal((await svc.resolve('app')).id, b.id);

  // in use → refused
  await svc.acquire(b.id, 'c1');
  await assert.rejects(svc.remove('app:2'), (e: unknown) => isRuntimeError(e, 'FailedPrecondition') && /in use by container c1/.test((e as Error).message));
  await assert.rejects(svc.acquire('sha256:' + '0'.repeat(64), 'c2'), (e: unknown) => isRuntimeError(e, 'NotFound'));
  await svc.release('c1');
  await svc.release('c1');

  // remove by one tag removes the image with all its tags and digests; shared base layer survives
  await svc.remove('other/app:x');
  assert.equal(await svc.status(a.id), undefined);
  assert.equal(await svc.status('app:1'), undefined);
  assert.equal(await svc.status(`app@${a.manifestDigest}`), undefined);
  const dirs = await layerDirs(dir);
  assert.deepEqual(dirs, [...(await svc.resolve(b.id)).chainIds.map((c) => c.slice(7))].sort());
  assert.ok(await blobCount(dir) < blobsBoth);
  assert.ok(!existsSync(join(dir, 'root/images/blobs/sha256', a.id.slice(7))));
  // unknown refs succeed
  await svc.remove('app:1');
  await svc.remove('sha256:' + '0'.repeat(64));
  await svc.remove(b.id.slice(7, 20));
  assert.deepEqual(await svc.list(), []);
  assert.deepEqual(await layerDirs(dir), []);
  assert.equal(await blobCount(dir), 0);
}));

test('uses after a reopen are the ones the runtime\'s records name (adoptUses), not a per-container metadata write', () => setup(async ({ dir, svc, reopen }) => {
  const a = await buildWindowsImageDetailed({ dir, format: 'oci', names: ['app:1'] });
  await svc.importArchive(a.path);
  const before = statSync(join(dir, 'root/images/metadata.json')).mtimeMs;
  await svc.acquire(a.id, 'ctr');
  assert.equal(statSync(join(dir, 'root/images/metadata.json')).mtimeMs, before, 'acquire writes nothing');
  const s2 = await reopen();
  s2.adoptUses({ ctr: a.id });
  await assert.rejects(s2.remove('app:1'), (e: unknown) => isRuntimeError(e, 'FailedPrecondition') && /in use by container ctr/.test((e as Error).message));
  await s2.release('ctr');
  await s2.remove('app:1');
  assert.deepEqual(await s2.list(), []);
}));

test('platform selection from an index: highest compatible revision; incompatible builds and linux rejected', () => setup(async ({ dir, svc }) => {
  const b = await buildWindowsImageDetailed({
    dir, format: 'oci', names: ['multi:1'], osVersion: '10.0.20348.1000',
    index: [{ os: 'windows', osVersion: '10.0.20348.2000' }, { os: 'windows', osVersion: '10.0.17763.5000' }, { os: 'linux' }, { os: 'windows', osVersion: '10.0.20348.3000', arch: 'arm64' }, { os: 'windows', osVersion: '10.0.26100.1' }],
  });
  const out = await svc.importArchive(b.path);
  assert.deepEqual(out, [{ id: b.extraIds[0], names: ['docker.io/library/multi:1'] }]);
  const img = await svc.resolve('multi:1');
  assert.equal(img.config.osVersion, '10.0.20348.2000');
  assert.deepEqual(img.repoDigests, [`docker.io/library/multi@${b.indexDigest}`]);

  const old = await buildWindowsImageDetailed({ dir, format: 'oci', names: ['old:1'], osVersion: '10.0.17763.100', index: [{ os: 'windows', osVersion: '10.0.17763.200' }, { os: 'linux' }] });
  await assert.rejects(svc.importArchive(old.path), (e: unknown) => {
    const m = (e as Error).message;
    return isRuntimeError(e, 'InvalidArgument') && /OS build 10\.0\.20348/.test(m) && m.includes('10.0.17763.100') && m.includes('10.0.17763.200') && m.includes('linux/amd64');
  });
  const oldSingle = await buildWindowsImageDetailed({ dir, format: 'docker', names: ['old:2'], osVersion: '10.0.17763.100' });
  await assert.rejects(svc.importArchive(oldSingle.path), /cannot run on this host .*10\.0\.20348.*offered builds: 10\.0\.17763\.100/);
  const linux = await buildWindowsImageDetailed({ dir, format: 'oci', names: ['lin:1'], os: 'linux', osVersion: '' });
  await assert.rejects(svc.importArchive(linux.path), /linux\/amd64 image; wincri runs Windows images only/);
  assert.equal(await svc.status('old:1'), undefined);
  assert.equal(await svc.status('lin:1'), undefined);
}));

test('a WS2025 host accepts 20348 images (hcs.md §6.5)', () => setup(async ({ dir, svc }) => {
  const b = await buildWindowsImageDetailed({ dir, format: 'oci', names: ['ltsc2022'], osVersion: '10.0.20348.5' });
  await svc.importArchive(b.path);
  assert.ok(await svc.status('ltsc2022'));
}, { host: { osVersion: '10.0.26100', architecture: 'amd64' } }));

test('corrupt archives: digest mismatch, missing blobs, garbage', () => setup(async ({ dir, svc }) => {
  const b = await buildWindowsImageDetailed({ dir, format: 'oci', names: ['x:1'] });
  const buf = await readFile(b.path);
  // flip one byte inside the gzip layer blob
  const { readTar, readBody } = await import('../../../src/images/tar/read.js');
  const { Readable } = await import('node:stream');
  const entries: { name: string; data?: Buffer; type?: 'dir' }[] = [];
  for await (const e of readTar(Readable.from([buf]))) entries.push(e.type === 'dir' ? { name: e.name, type: 'dir' } : { name: e.name, data: await readBody(e) });
  const layerEntry = entries.find((e) => e.name === `blobs/sha256/${b.layerDigests[0]!.slice(7)}`)!;
  layerEntry.data = Buffer.from(layerEntry.data!); layerEntry.data[layerEntry.data.length - 10] ^= 0xff;
  const { writeFile } = await import('node:fs/promises');
  await writeFile(join(dir, 'bad.tar'), buildTar(entries));
  await assert.rejects(svc.importArchive(join(dir, 'bad.tar')), /digest mismatch/);
  const missing = entries.filter((e) => e !== layerEntry);
  await writeFile(join(dir, 'missing.tar'), buildTar(missing));
  await assert.rejects(svc.importArchive(join(dir, 'missing.tar')), /is not in the archive/);
  await writeFile(join(dir, 'garbage.tar'), Buffer.alloc(4096, 7));
  await assert.rejects(svc.importArchive(join(dir, 'garbage.tar')), /not a valid tar archive/);
  await assert.rejects(svc.importArchive(join(dir, 'nope.tar')), /does not exist/);
  await writeFile(join(dir, 'empty.tar'), buildTar([{ name: 'hello.txt', data: 'x' }]));
  await assert.rejects(svc.importArchive(join(dir, 'empty.tar')), /neither an OCI image layout/);
  assert.deepEqual(await svc.list(), []);
  assert.equal(await blobCount(dir), 0);
  assert.deepEqual(await readdir(join(dir, 'root/images/tmp')), []);
}));

const hostile: [string, Buffer, RegExp][] = [
  ['absolute path', buildTar([{ name: 'Files', type: 'dir' }, { name: '/etc/passwd', data: 'x' }]), /absolute path/],
  ['drive letter', buildTar([{ name: 'C:/x', data: 'x' }]), /drive letter/],
  ['dot-dot', buildTar([{ name: 'Files/../../escape', data: 'x' }]), /'\.\.' segment/],
  ['outside sections', buildTar([{ name: 'Files', type: 'dir' }, { name: 'etc/passwd', data: 'x' }]), /outside Files\/, Hives\/ and UtilityVM\//],
  ['symlink escaping', buildTar([{ name: 'Files/l', type: 'symlink', linkname: '../../../etc' }]), /points outside the layer/],
  ['absolute symlink', buildTar([{ name: 'Files/l', type: 'symlink', linkname: '/etc/passwd' }]), /points outside the layer/],
  ['write through symlink', buildTar([{ name: 'Files/d', type: 'dir' }, { name: 'Files/l', type: 'symlink', linkname: 'd' }, { name: 'Files/l/x', data: 'x' }]), /through the symlink/],
  ['hard link outside', buildTar([{ name: 'Files/h', type: 'link', linkname: '../etc/passwd' }]), /points outside the layer/],
  ['hard link to unknown', buildTar([{ name: 'Files/h', type: 'link', linkname: 'Files/none' }]), /not an earlier file/],
  ['backslash', buildTar([{ name: 'Files\\..\\x', data: 'x' }]), /backslash/],
];

for (const [what, tar, re] of hostile) {
  test(`hostile layer rejected and cleaned up: ${what}`, () => setup(async ({ dir, svc, storage }) => {
    const b = await buildWindowsImageDetailed({ dir, format: 'oci', names: ['evil:1'], rawLayers: [buildLayerTar({ 'ok.txt': 'ok' }), tar] });
    await assert.rejects(svc.importArchive(b.path), (e: unknown) => isRuntimeError(e, 'InvalidArgument') && re.test((e as Error).message));
    assert.equal(await svc.status('evil:1'), undefined);
    assert.deepEqual(await layerDirs(dir), [], 'the partial and the orphan base layer are gone');
    assert.equal(await blobCount(dir), 0);
    assert.deepEqual(await readdir(join(dir, 'root/images/tmp')), []);
    assert.ok(storage.calls.some((c) => c.op === 'destroy'));
  }));
}

test('hostile layer: device nodes and FIFOs are rejected', () => setup(async ({ dir, svc }) => {
  // buildTar cannot write device entries; patch the typeflag of a plain entry and fix the checksum
  for (const flag of ['3', '4', '6']) {
    const t = buildTar([{ name: 'Files/dev', data: '' }]);
    t[156] = flag.charCodeAt(0);
    t.fill(0x20, 148, 156);
    let sum = 0; for (let i = 0; i < 512; i++) sum += t[i]!;
    t.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
    const b = await buildWindowsImageDetailed({ dir, format: 'oci', names: ['dev:1'], rawLayers: [t] });
    await assert.rejects(svc.importArchive(b.path), /device node|FIFO/);
  }
  assert.deepEqual(await layerDirs(dir), []);
}));

test('decompression bomb: expanded bytes above maxLayerBytes are refused', () => setup(async ({ dir, svc }) => {
  const bomb = buildTar([{ name: 'Files/zeros', data: Buffer.alloc(4 * 1024 * 1024) }]);
  const b = await buildWindowsImageDetailed({ dir, format: 'oci', names: ['bomb:1'], rawLayers: [bomb] });
  await assert.rejects(svc.importArchive(b.path), /limit of 1048576 bytes/);
  assert.deepEqual(await layerDirs(dir), []);
  assert.deepEqual(await readdir(join(dir, 'root/images/tmp')), []);
}, { maxLayerBytes: 1024 * 1024 }));

test('a failing importLayer leaves no layer behind; concurrent imports of one image share layers', () => setup(async ({ dir, svc, storage }) => {
  const b = await buildWindowsImageDetailed({ dir, format: 'oci', names: ['f:1'], layers: [{ a: 'a' }, { b: 'b' }] });
  storage.failImport = true;
  await assert.rejects(svc.importArchive(b.path), /injected failure/);
  assert.deepEqual(await layerDirs(dir), []);
  storage.failImport = false;
  const n0 = storage.imports();
  const [x, y] = await Promise.all([svc.importArchive(b.path), svc.importArchive(b.path)]);
  assert.deepEqual(x, y);
  assert.equal(storage.imports() - n0, 2);
  assert.equal((await layerDirs(dir)).length, 2);
}));

test('crash leftovers: unrecorded layer folders and tmp are cleaned at open', () => setup(async ({ dir, svc, reopen }) => {
  const b = await buildWindowsImageDetailed({ dir, format: 'oci', names: ['k:1'] });
  await svc.importArchive(b.path);
  const { mkdir, writeFile } = await import('node:fs/promises');
  await mkdir(join(dir, 'root/images/layers', 'e'.repeat(64), 'Files'), { recursive: true });
  await mkdir(join(dir, 'root/images/tmp/stale'), { recursive: true });
  await writeFile(join(dir, 'root/images/blobs/sha256', 'd'.repeat(64)), 'orphan');
  const s2 = await reopen();
  assert.equal((await layerDirs(dir)).length, 1);
  assert.deepEqual(await readdir(join(dir, 'root/images/tmp')), []);
  assert.ok(!existsSync(join(dir, 'root/images/blobs/sha256', 'd'.repeat(64))));
  assert.ok(await s2.status('k:1'));
}));
