/**
 * Which concurrent pulls share one job (job-key.ts): pulls of one image that differ in nothing the registry sees
 * are one pull; pulls whose credentials differ never are, so a caller with wrong
 * credentials is refused while a pull with the right ones runs.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { isRuntimeError } from '../../../../src/errors.js';
import { startRegistry, startFaultProxy, makeImage, Pusher, type Registry } from '../../../helpers/registry.js';
import { withService } from './common.js';

const USER = 'joiner';
const PASS = 'j0in-Pa55word';
let reg: Registry;
let basicReg: Registry;
const img = makeImage({ layers: [{ 'Windows/a.txt': 'a'.repeat(100_000) }, { 'b.txt': 'b' }] });

before(async () => {
  [reg, basicReg] = await Promise.all([startRegistry(), startRegistry({ htpasswd: { [USER]: PASS } })]);
  await new Pusher({ url: reg.url }).image('win/join', '1', img);
  await new Pusher({ url: basicReg.url, user: USER, password: PASS }).image('private/join', '1', img);
});
after(async () => { await Promise.all([reg?.stop(), basicReg?.stop()]); });

test('anonymous pulls of one image share one job whatever server_address they carry (it selects no credentials)', async () => {
  const proxy = await startFaultProxy(reg.url);
  try {
    await withService({ registries: { [proxy.host]: { insecure: true } } }, async (c) => {
      const ref = `${proxy.host}/win/join:1`;
      const results = await Promise.all([
        c.svc.pull(ref), c.svc.pull(ref), c.svc.pull(ref, { serverAddress: 'elsewhere.example' }),
        c.svc.pull(ref, { serverAddress: `https://${proxy.host}` }),
      ]);
      for (const r of results) assert.equal(r.image.id, img.id);
      const count = (prefix: string) => proxy.log.filter((l) => l.startsWith(prefix)).length;
      assert.equal(count('GET /v2/win/join/manifests/1'), 1, 'one manifest request for the four callers');
      assert.equal(count(`GET /v2/win/join/blobs/${img.config.digest}`), 1, 'one config request');
      for (const l of img.layers) assert.equal(count(`GET /v2/win/join/blobs/${l.digest}`), 1, 'each layer fetched once');
      assert.equal(c.storage.imports(), 2);
      assert.deepEqual((await c.svc.list()).map((i) => i.repoTags), [[ref]]);
    });
  } finally {
    await proxy.close();
  }
});

test('pulls with different credentials do not share a job: wrong or missing credentials are refused while the right ones pull', async () => {
  const ref = `${basicReg.host}/private/join:1`;
  await withService({ registries: { [basicReg.host]: { insecure: true } } }, async (c) => {
    const [good, wrong, none, good2] = await Promise.allSettled([
      c.svc.pull(ref, { auth: { username: USER, password: PASS } }),
      c.svc.pull(ref, { auth: { username: USER, password: 'wrong' } }),
      c.svc.pull(ref),
      c.svc.pull(ref, { auth: { username: USER, password: PASS }, serverAddress: basicReg.host }),
    ]);
    assert.equal(good.status === 'fulfilled' && good.value.image.id, img.id);
    assert.equal(good2.status === 'fulfilled' && good2.value.image.id, img.id);
    assert.ok(wrong.status === 'rejected' && isRuntimeError(wrong.reason, 'FailedPrecondition'), 'wrong credentials refused');
    assert.ok(none.status === 'rejected' && isRuntimeError(none.reason, 'FailedPrecondition'), 'no credentials refused');
  });
});
