/** limits.concurrentPulls: distinct pulls beyond the bound wait; counted at a registry that holds every manifest request. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isRuntimeError } from '../../../../src/errors.js';
import { withService } from './common.js';
import { waitFor } from '../../../helpers/wait-for.js';

test('at most maxConcurrentPulls distinct pulls run; the others wait and then run', async () => {
  const held: http.ServerResponse[] = [];
  let inFlight = 0; let peak = 0; let seen = 0;
  const server = http.createServer((req, res) => {
    if (!/\/manifests\//.test(req.url ?? '')) { res.writeHead(req.url === '/v2/' ? 200 : 404).end(); return; }
    inFlight++; seen++; peak = Math.max(peak, inFlight);
    res.on('close', () => { inFlight--; });
    held.push(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await withService({ registries: { [host]: { insecure: true } }, maxConcurrentPulls: 2, pullRetries: 0 }, async (c) => {
      const pulls = Array.from({ length: 5 }, (_, i) => c.svc.pull(`${host}/win/img${i}:latest`).then(() => 'ok', (e: unknown) => e));
      while (seen < 5) {
        await waitFor('a manifest request', () => held.length > 0, { timeoutMs: 10_000, intervalMs: 5 });
        // Give any pull that should not be running the chance to show up before releasing one.
        for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
        assert.ok(inFlight <= 2, `${inFlight} pulls in flight > 2`);
        held.shift()!.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
      }
      for (const r of held.splice(0)) r.writeHead(404).end();
      const results = await Promise.all(pulls);
      assert.equal(peak, 2, 'two pulls ran at once');
      assert.ok(results.every((e) => isRuntimeError(e, 'NotFound')), 'every pull ran to its answer');
    });
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
