/**
 * Authentication and TLS against real docker-registry instances: htpasswd Basic auth, token auth through a
 * token issuer run by the test (every CRI AuthConfig form, token reuse), TLS with a test CA; credentials never
 * appear in errors. Plus the WWW-Authenticate parser and CRI AuthConfig decoding.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { isRuntimeError } from '../../../../src/errors.js';
import { parseChallenges, credentialsFromCri, tokenFromResponse } from '../../../../src/images/pull/auth.js';
import { redact } from '../../../../src/images/pull/redact.js';
import { makePki, startRegistry, startTokenIssuer, makeImage, Pusher, type Registry, type TokenIssuer, type Pki } from '../../../helpers/registry.js';
import { withService } from './common.js';

const USER = 'puller';
const PASS = 's3cret-Pa55word';
let pki: Pki;
let basicReg: Registry;
let tokenReg: Registry;
let tlsReg: Registry;
let issuer: TokenIssuer;
const img = makeImage({ layers: [{ 'a.txt': 'a' }, { 'b.txt': 'b' }, { 'c.txt': 'c' }] });

before(async () => {
  pki = makePki();
  issuer = await startTokenIssuer(pki, { [USER]: PASS }, { refreshTokens: { 'refresh-123': USER } });
  [basicReg, tokenReg, tlsReg] = await Promise.all([
    startRegistry({ htpasswd: { [USER]: PASS } }),
    startRegistry({ token: { ...issuer, rootCert: pki.signCert } }),
    startRegistry({ tls: { cert: pki.serverCert, key: pki.serverKey } }),
  ]);
  await new Pusher({ url: basicReg.url, user: USER, password: PASS }).image('private/app', '1', img);
  await new Pusher({ url: tokenReg.url, user: USER, password: PASS }).image('private/app', '1', img);
  await new Pusher({ url: tlsReg.url, ca: pki.caCert }).image('tls/app', '1', img);
});
after(async () => {
  await Promise.all([basicReg?.stop(), tokenReg?.stop(), tlsReg?.stop(), issuer?.close()]);
  if (pki) rmSync(pki.dir, { recursive: true, force: true });
});

const noSecret = (e: unknown) => {
  const m = (e as Error).message;
  assert.ok(!m.includes(PASS) && !m.includes(Buffer.from(`${USER}:${PASS}`).toString('base64')), `secret leaked: ${m}`);
  return true;
};

test('Basic auth (htpasswd): no credentials and wrong ones are refused; username/password, auth and config credentials work', async () => {
  const ref = `${basicReg.host}/private/app:1`;
  const reg = { [basicReg.host]: { insecure: true } };
  await withService({ registries: reg }, async (c) => {
    await assert.rejects(c.svc.pull(ref), (e) => isRuntimeError(e, 'FailedPrecondition') && /no credentials/.test((e as Error).message));
    await assert.rejects(c.svc.pull(ref, { auth: { username: USER, password: 'wrong' } }), (e) => isRuntimeError(e, 'FailedPrecondition') && noSecret(e));
    assert.equal((await c.svc.pull(ref, { auth: { username: USER, password: PASS } })).image.id, img.id);
  });
  await withService({ registries: reg }, async (c) => {
    const auth = credentialsFromCri({ auth: Buffer.from(`${USER}:${PASS}`).toString('base64') });
    assert.equal((await c.svc.pull(ref, { auth })).image.id, img.id);
  });
  await withService({ registries: { [basicReg.host]: { insecure: true, auth: { username: USER, password: PASS } } } }, async (c) => {
    assert.equal((await c.svc.pull(ref)).image.id, img.id);
  });
});

test('token auth: challenge → token with service and scope, reused across layers; identity token and registry token forms', async () => {
  const ref = `${tokenReg.host}/private/app:1`;
  const reg = { [tokenReg.host]: { insecure: true } };
  await withService({ registries: reg }, async (c) => {
    await assert.rejects(c.svc.pull(ref), (e) => isRuntimeError(e, 'FailedPrecondition') && noSecret(e));
    await assert.rejects(c.svc.pull(ref, { auth: { username: USER, password: 'nope' } }), (e) => /refused the credentials/.test((e as Error).message) && noSecret(e));
    const before = issuer.requests;
    const r = await c.svc.pull(ref, { auth: { username: USER, password: PASS } });
    assert.equal(r.image.id, img.id);
    assert.equal(issuer.requests - before, 1, 'one token for manifest, config and three layers');
    assert.equal(issuer.scopes[issuer.scopes.length - 1], 'repository:private/app:pull');
    // the token is reused by the next pull too (until it expires)
    await c.svc.remove(ref);
    await c.svc.pull(ref, { auth: { username: USER, password: PASS } });
    assert.equal(issuer.requests - before, 1);
  });
  await withService({ registries: reg }, async (c) => {
    assert.equal((await c.svc.pull(ref, { auth: credentialsFromCri({ identityToken: 'refresh-123' }) })).image.id, img.id);
  });
  // registry token: a bearer token obtained elsewhere, used as is
  const tr = await fetch(`${issuer.realm}?service=${issuer.service}&scope=repository:private/app:pull`, { headers: { authorization: `Basic ${Buffer.from(`${USER}:${PASS}`).toString('base64')}` } });
  const token = ((await tr.json()) as { token: string }).token;
  await withService({ registries: reg }, async (c) => {
    assert.equal((await c.svc.pull(ref, { auth: credentialsFromCri({ registryToken: token }) })).image.id, img.id);
  });
});

/** Every job message posted to an unpack worker during `fn`, serialized (strings as they travel). */
async function jobsPosted(fn: () => Promise<void>): Promise<string[]> {
  const posted: string[] = [];
  const orig = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (this: Worker, m: unknown, t?: never) {
    if (m && typeof m === 'object' && 'job' in m) posted.push(JSON.stringify(m));
    return orig.call(this, m, t);
  };
  try { await fn(); } finally { Worker.prototype.postMessage = orig; }
  return posted;
}

test('no credential reaches the unpack worker: its job carries only flags for the endpoints', async () => {
  const base64 = Buffer.from(`${USER}:${PASS}`).toString('base64');
  const basic = await jobsPosted(() => withService({ registries: { [basicReg.host]: { insecure: true } } }, async (c) => {
    assert.equal((await c.svc.pull(`${basicReg.host}/private/app:1`, { auth: { username: USER, password: PASS } })).image.id, img.id);
  }));
  const refresh = await jobsPosted(() => withService({ registries: { [tokenReg.host]: { insecure: true } } }, async (c) => {
    assert.equal((await c.svc.pull(`${tokenReg.host}/private/app:1`, { auth: credentialsFromCri({ identityToken: 'refresh-123' }) })).image.id, img.id);
  }));
  assert.equal(basic.length, img.layers.length);
  assert.equal(refresh.length, img.layers.length);
  for (const m of [...basic, ...refresh]) {
    for (const secret of [PASS, base64, 'refresh-123']) assert.ok(!m.includes(secret), `a credential reached the worker: ${m}`);
    assert.match(m, /"credFlags":\{"given":true,"tokenAuth":false\}/);
  }
});

test('TLS: trusted through the configured CA; refused without it; insecure skips verification', async () => {
  const ref = `${tlsReg.host}/tls/app:1`;
  await withService({ registries: { [tlsReg.host]: { ca: pki.caCert } } }, async (c) => {
    assert.equal((await c.svc.pull(ref)).image.id, img.id);
  });
  await withService({}, async (c) => {
    await assert.rejects(c.svc.pull(ref), (e) => isRuntimeError(e, 'Unavailable') && /certificate|self.signed|issuer/i.test((e as Error).message));
  });
  await withService({ registries: { [tlsReg.host]: { insecure: true } } }, async (c) => {
    assert.equal((await c.svc.pull(ref)).image.id, img.id);
  });
  await withService({ registries: { [tlsReg.host]: { ca: '/nonexistent/ca.pem' } } }, async (c) => {
    await assert.rejects(c.svc.pull(ref), /cannot read the ca file/);
  });
});

test('WWW-Authenticate parsing, AuthConfig forms, token lifetimes, redaction', () => {
  assert.deepEqual(parseChallenges('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"'), [
    { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' } },
  ]);
  assert.deepEqual(parseChallenges(['Basic realm="x"', 'Bearer realm=https://t/token, service=s']), [
    { scheme: 'basic', params: { realm: 'x' } }, { scheme: 'bearer', params: { realm: 'https://t/token', service: 's' } },
  ]);
  assert.deepEqual(credentialsFromCri({ username: '', password: '', auth: '', identityToken: '', registryToken: '' }), undefined);
  assert.deepEqual(credentialsFromCri({ auth: Buffer.from('u:p:q').toString('base64') }), { username: 'u', password: 'p:q' });
  assert.throws(() => credentialsFromCri({ auth: Buffer.from('nocolon').toString('base64') }), (e: Error) => !e.message.includes('nocolon'));
  const t = tokenFromResponse({ access_token: 'abc', expires_in: 300 }, 1_000_000)!;
  assert.equal(t.token, 'abc');
  assert.ok(t.expiresAt > 1_000_000 + 280_000 && t.expiresAt <= 1_000_000 + 300_000);
  assert.equal(tokenFromResponse({ token: 'x' }, 0)!.expiresAt > 0, true);
  assert.equal(tokenFromResponse({}), undefined);
  assert.equal(redact(`bad ${PASS} and token=abc`, { username: USER, password: PASS }), 'bad <redacted> and token=<redacted>');
});
