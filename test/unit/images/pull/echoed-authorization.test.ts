/**
 * No credential in a pull error when a registry echoes the Authorization header it was sent (a refused or expired
 * token quoted in its error body): neither a Bearer token the daemon fetched from a token service (which is not
 * one of the pull's credentials, so redact() cannot know it) nor a header relayed to the unpack worker, whose
 * endpoints carry no credentials (auth-relay.ts) — in which case the Basic header's password is known only there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RegistryClient } from '../../../../src/images/pull/registry.js';
import type { AuthSource } from '../../../../src/images/pull/auth-relay.js';
import { redact } from '../../../../src/images/pull/redact.js';

const TOKEN = 'tok-3f9a1c77e2b84d5f';
const PASS = 'pw-Zq81xK3v';

/** A registry whose token service hands out TOKEN and whose manifests answer `status` quoting the header they got. */
async function echoingRegistry(status: number): Promise<{ host: string; server: Server }> {
  const server = createServer((req, res) => {
    const host = req.headers.host!;
    if (req.url!.startsWith('/token')) { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ token: TOKEN, expires_in: 300 })); return; }
    const auth = req.headers.authorization;
    if (!auth) {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${host}/token",service="reg"` });
      res.end();
      return;
    }
    const sent = auth.replace(/^\S+\s+/, '');
    const plain = auth.startsWith('Basic ') ? Buffer.from(sent, 'base64').toString() : '';
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ code: 'DENIED', message: `credential ${sent} (${plain}) refused; header was ${auth}` }] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function errorOf(client: RegistryClient, host: string): Promise<string> {
  const ep = client.endpoints(host)[0]!;
  const e = await client.get(ep, '/v2/a/b/manifests/1', 'repository:a/b:pull', {}, new AbortController().signal).then(() => undefined, (x: Error) => x);
  assert.ok(e, 'the request failed');
  return e.message;
}

for (const status of [403, 400]) {
  test(`HTTP ${status} quoting a Bearer token fetched from the token service: the token is not in the error`, async () => {
    const { host, server } = await echoingRegistry(status);
    const client = new RegistryClient({ registries: { [host]: { insecure: true } }, retries: 0 });
    try {
      const m = await errorOf(client, host);
      assert.match(m, new RegExp(`HTTP ${status}`), m);
      assert.ok(!m.includes(TOKEN), `token leaked: ${m}`);
      assert.match(m, /<redacted>/, m);
    } finally { client.close(); server.close(); }
  });
}

test('a relayed Basic header (the unpack worker: its endpoints carry no credentials) quoted back: neither it nor its password is in the error', async () => {
  const { host, server } = await echoingRegistry(403);
  const header = `Basic ${Buffer.from(`puller:${PASS}`).toString('base64')}`;
  const relayed: AuthSource = { authorization: async () => header, challenged: () => undefined };
  const client = new RegistryClient({ registries: { [host]: { insecure: true } }, retries: 0 }, relayed);
  try {
    const m = await errorOf(client, host);
    assert.ok(!m.includes(PASS) && !m.includes(header.slice(6)), `credential leaked: ${m}`);
  } finally { client.close(); server.close(); }
});

test('redact with the header: the value, its credential and a Basic password; short or absent headers change nothing', () => {
  assert.equal(redact(`x Bearer ${TOKEN} y ${TOKEN}`, undefined, `Bearer ${TOKEN}`), 'x <redacted> y <redacted>');
  const basic = `Basic ${Buffer.from(`u:${PASS}`).toString('base64')}`;
  assert.equal(redact(`pw ${PASS}`, undefined, basic), 'pw <redacted>');
  assert.equal(redact('text', undefined, undefined), 'text');
  assert.equal(redact('a b', undefined, 'Bearer b'), 'a b');
});

test('redact: the pull\'s credentials and the header it sent, in one pass', () => {
  const creds = { username: 'puller', password: PASS };
  const sent = `Bearer ${TOKEN}`;
  assert.equal(redact(`denied ${PASS}; echoed ${sent}; token=abc`, creds, sent), 'denied <redacted>; echoed <redacted>; token=<redacted>');
});
