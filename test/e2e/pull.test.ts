/**
 * PullImage end to end: the real daemon configured (YAML `registries:`) for a real docker-registry with
 * htpasswd auth behind a fault proxy; CRI auth, image_ref → ImageStatus/ListImages/RemoveImage/ImageFsInfo,
 * a kubelet-style deadline on a slow registry, and `wincri images pull`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { status as Status } from '@grpc/grpc-js';
import { Daemon, call, expectCode, CLI } from './harness.js';
import { parsePrometheusText, sampleValue } from '../helpers/prom-text.js';
import { startRegistry, startFaultProxy, makeImage, Pusher, type Registry, type FaultProxy } from '../helpers/registry.js';

const USER = 'kube';
const PASS = 'pull-Secret-42';
let d: Daemon;
let reg: Registry;
let proxy: FaultProxy;
const img = makeImage({ layers: [{ 'Windows/base.txt': 'base' }, { 'app/data.bin': randomBytes(400_000).toString('base64') }] });
const auth = { username: USER, password: PASS };

before(async () => {
  reg = await startRegistry({ htpasswd: { [USER]: PASS } });
  proxy = await startFaultProxy(reg.url);
  await new Pusher({ url: reg.url, user: USER, password: PASS }).image('e2e/app', '1', img);
  d = new Daemon('wincri-pull');
  appendFileSync(d.configFile, `\nregistries:\n  "${proxy.host}":\n    insecure: true\n  "mirrored.invalid:5000":\n    mirrors: ["${proxy.url}"]\nimages:\n  pullConcurrency: 2\n  pullProgressIntervalSeconds: 0.2\n`);
  await d.start();
});
after(async () => {
  await d?.destroy();
  await proxy?.close();
  await reg?.stop();
});

const REF = () => `${proxy.host}/e2e/app:1`;

test('PullImage with CRI auth returns the image ID; ImageStatus/ListImages/ImageFsInfo/RemoveImage agree', async () => {
  proxy.fault = () => undefined;
  const denied = await expectCode(call(d.image, 'PullImage', { image: { image: REF() } }), Status.FAILED_PRECONDITION);
  assert.doesNotMatch(denied.details, new RegExp(PASS));
  const wrong = await expectCode(call(d.image, 'PullImage', { image: { image: REF() }, auth: { username: USER, password: 'bad' } }), Status.FAILED_PRECONDITION);
  assert.doesNotMatch(wrong.details, /bad/);
  const { imageRef } = await call(d.image, 'PullImage', { image: { image: REF() }, auth });
  assert.equal(imageRef, img.id);
  const st = await call(d.image, 'ImageStatus', { image: { image: imageRef } });
  assert.equal(st.image.id, img.id);
  assert.deepEqual(st.image.repoTags, [REF()]);
  assert.deepEqual(st.image.repoDigests, [`${proxy.host}/e2e/app@${img.manifest.digest}`]);
  assert.equal(Number(st.image.size), img.config.size + img.layers.reduce((n, l) => n + l.size, 0));
  assert.equal((await call(d.image, 'ImageStatus', { image: { image: REF() } })).image.id, img.id);
  assert.equal((await call(d.image, 'ImageStatus', { image: { image: `${proxy.host}/e2e/other:1` } })).image, null);
  const list = await call(d.image, 'ListImages', {});
  assert.ok(list.images.some((i: { id: string }) => i.id === img.id));
  const fs = await call(d.image, 'ImageFsInfo', {});
  assert.ok(Number(fs.imageFilesystems[0].usedBytes.value) > 400_000);
  // through a mirror: credentials go to it only when server_address names it
  await expectCode(call(d.image, 'PullImage', { image: { image: 'mirrored.invalid:5000/e2e/app:1' }, auth }), Status.UNAVAILABLE);
  const viaMirror = await call(d.image, 'PullImage', { image: { image: 'mirrored.invalid:5000/e2e/app:1' }, auth: { ...auth, serverAddress: proxy.host } });
  assert.equal(viaMirror.imageRef, img.id);
  const st2 = await call(d.image, 'ImageStatus', { image: { image: img.id } });
  assert.deepEqual(st2.image.repoTags, ['mirrored.invalid:5000/e2e/app:1', REF()].sort());
  await call(d.image, 'RemoveImage', { image: { image: img.id } });
  assert.equal((await call(d.image, 'ImageStatus', { image: { image: REF() } })).image, null);
  const again = await call(d.image, 'PullImage', { image: { image: REF() }, auth: { auth: Buffer.from(`${USER}:${PASS}`).toString('base64') } });
  assert.equal(again.imageRef, img.id);
  // Metrics: three pulls succeeded, two were refused by the registry (FailedPrecondition), one found no endpoint.
  const m = parsePrometheusText(await (await fetch(`${d.metricsUrl()}/metrics`)).text());
  assert.equal(sampleValue(m, 'wincri_image_pulls_total', { result: 'success' }), 3);
  assert.equal(sampleValue(m, 'wincri_image_pulls_total', { result: 'FailedPrecondition' }), 2);
  assert.equal(sampleValue(m, 'wincri_image_pulls_total', { result: 'Unavailable' }), 1);
  assert.equal(sampleValue(m, 'wincri_image_pull_duration_seconds', {}, 'wincri_image_pull_duration_seconds_count'), 6);
  assert.equal(sampleValue(m, 'wincri_image_pulls_in_flight'), 0);
  assert.ok((sampleValue(m, 'wincri_image_pull_bytes_total') ?? 0) >= img.layers.reduce((n, l) => n + l.size, 0), 'layer bytes counted');
  assert.ok((sampleValue(m, 'wincri_image_layer_import_duration_seconds', {}, 'wincri_image_layer_import_duration_seconds_count') ?? 0) >= 2, 'layer imports timed');
  assert.equal(sampleValue(m, 'wincri_grpc_requests_total', { service: 'ImageService', method: 'PullImage', code: 'OK' }), 3);
  const logs = d.fullLog();
  assert.doesNotMatch(logs, new RegExp(PASS), 'no password in any log');
  assert.doesNotMatch(logs, new RegExp(Buffer.from(`${USER}:${PASS}`).toString('base64')), 'no basic-auth token in any log');
  // Daemon lines are JSON (stderr is a file); each PullImage line carries its request id.
  const lines = readFileSync(d.logFile, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  const pulls = lines.filter((l) => l.component === 'cri' && String(l.msg).startsWith('PullImage'));
  assert.ok(pulls.length >= 4, 'PullImage lines logged');
  for (const l of pulls) assert.match(String(l.request), /^[0-9a-f]{12}$/);
  assert.equal(new Set(pulls.map((l) => l.request)).size, pulls.length, 'one request id per RPC');
  const pulled = lines.filter((l) => l.msg === 'image pulled');
  assert.ok(pulled.length >= 1 && pulled.every((l) => typeof l.request === 'string'), 'lines logged while serving a pull carry its request id');
});

test('a kubelet deadline on a slow registry ends the pull: DEADLINE_EXCEEDED, no partial blob left', async () => {
  await call(d.image, 'RemoveImage', { image: { image: img.id } });
  proxy.fault = (m, path) => (path.includes(img.layers[1]!.digest) ? { kind: 'slow', bytesPerSecond: 40_000 } : undefined);
  await expectCode(call(d.image, 'PullImage', { image: { image: REF() }, auth }, 1500), Status.DEADLINE_EXCEEDED);
  const tmp = join(d.root, 'images', 'tmp');
  const blobs = join(d.root, 'images', 'blobs', 'sha256');
  for (let i = 0; i < 100 && readdirSync(tmp).length; i++) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(readdirSync(tmp), [], 'staging and partial blobs removed');
  assert.ok(!readdirSync(blobs).includes(img.layers[1]!.digest.slice(7)), 'the slow layer is not in the store');
  assert.equal((await call(d.image, 'ImageStatus', { image: { image: REF() } })).image, null);
  proxy.fault = () => undefined;
});

test('a slow pull logs its progress (bytes, layers done, rate, ETA) while it runs', async () => {
  proxy.fault = (m, path) => (path.includes(img.layers[1]!.digest) ? { kind: 'slow', bytesPerSecond: 100_000 } : undefined);
  const progressLines = () => readFileSync(d.logFile, 'utf8').split('\n').filter((l) => l.includes('"pull progress"'))
    .map((l) => JSON.parse(l) as Record<string, any>).filter((l) => l.ref === REF());
  const before = progressLines().length;
  const pull = call(d.image, 'PullImage', { image: { image: REF() }, auth }, 120_000);
  let lines: Record<string, any>[] = [];
  for (let i = 0; i < 600 && !(lines = progressLines().slice(before)).some((l) => l.bytes > 0); i++) await new Promise((r) => setTimeout(r, 50));
  const total = img.layers.reduce((n, l) => n + l.size, 0);
  const l = lines.find((x) => x.bytes > 0);
  assert.ok(l, 'a progress line with bytes received');
  assert.equal(l.totalBytes, total);
  assert.equal(l.layers, 2);
  assert.ok(l.layersDone >= 0 && l.layersDone < 2);
  assert.ok(l.bytes < total && l.percent < 100);
  assert.match(l.mbps, /^\d+\.\d\d$/);
  assert.match(l.eta, /^\d+s$/);
  assert.match(l.request, /^[0-9a-f]{12}$/, 'progress lines carry the request id of the pull');
  assert.equal((await pull).imageRef, img.id);
  proxy.fault = () => undefined;
});

test('wincri images pull --creds', async () => {
  await call(d.image, 'RemoveImage', { image: { image: img.id } });
  const out = await new Promise<{ stdout: string; stderr: string }>((res, rej) => {
    execFile(process.execPath, [CLI, 'images', 'pull', '--endpoint', d.endpoint, '--creds', `${USER}:${PASS}`, REF()], (e, stdout, stderr) => (e ? rej(new Error(`${e.message}\n${stderr}`)) : res({ stdout, stderr })));
  });
  assert.match(out.stdout, new RegExp(`^${img.id}\\t.*${REF().replace(/[.]/g, '\\.')}`));
  assert.match(out.stderr, /MB\/s/);
  // Not a terminal: a plain line per finished layer, in layer order of completion, each exactly once.
  const layerLines = out.stderr.split('\n').filter((l) => l.startsWith('layer '));
  assert.deepEqual(layerLines.map((l) => l.split(' ')[2]).sort(), img.layers.map((l) => l.digest.slice(7, 19)).sort());
  assert.ok(layerLines.every((l) => /^layer [12]\/2 [0-9a-f]{12} done \(\d+\.\d MB\)$/.test(l)), out.stderr);
  assert.doesNotMatch(out.stderr, /\x1b\[/, 'no terminal control sequences when not on a terminal');
  const bad = await new Promise<string>((res) => {
    execFile(process.execPath, [CLI, 'images', 'pull', '--endpoint', d.endpoint, `${proxy.host}/e2e/missing:1`], { env: process.env }, (e, _o, stderr) => res(e ? stderr : ''));
  });
  assert.match(bad, /not found|refused|credentials/);
});

test('discardUnpackedLayers (the default): no layer blob kept; status, size and ImageFsInfo right across a restart; removed and pulled again', async () => {
  proxy.fault = () => undefined;
  const blobs = () => readdirSync(join(d.root, 'images', 'blobs', 'sha256'));
  const layerHexes = img.layers.map((l) => l.digest.slice(7));
  const size = img.config.size + img.layers.reduce((n, l) => n + l.size, 0);
  await call(d.image, 'RemoveImage', { image: { image: REF() } });
  assert.equal((await call(d.image, 'PullImage', { image: { image: REF() }, auth })).imageRef, img.id);
  assert.ok(blobs().includes(img.config.digest.slice(7)), 'the config blob is kept');
  assert.deepEqual(blobs().filter((b) => layerHexes.includes(b)), [], 'no layer blob kept');
  await d.stop();
  await d.start();
  const st = await call(d.image, 'ImageStatus', { image: { image: REF() } });
  assert.equal(st.image.id, img.id);
  assert.equal(Number(st.image.size), size);
  const fs = await call(d.image, 'ImageFsInfo', {});
  assert.ok(Number(fs.imageFilesystems[0].usedBytes.value) > 400_000, 'the imported layers are counted');
  await call(d.image, 'RemoveImage', { image: { image: REF() } });
  assert.equal((await call(d.image, 'ImageStatus', { image: { image: REF() } })).image, null);
  proxy.log.length = 0;
  assert.equal((await call(d.image, 'PullImage', { image: { image: REF() }, auth })).imageRef, img.id);
  for (const l of img.layers) assert.ok(proxy.log.some((e) => e.includes(l.digest)), `layer ${l.digest} downloaded again`);
  assert.equal(Number((await call(d.image, 'ImageStatus', { image: { image: REF() } })).image.size), size);
  assert.deepEqual(blobs().filter((b) => layerHexes.includes(b)), []);
});
