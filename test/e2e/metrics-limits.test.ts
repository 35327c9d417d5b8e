/**
 * Occupancy of the resource bounds on /metrics: with limits.concurrentPulls = 1 and a registry that holds its
 * answers until the test lets them go, one pull holds the slot (wincri_limit_in_use) and a second waits
 * (wincri_limit_queued); once the registry answers, both gauges return to 0.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Daemon, call } from './harness.js';
import { parsePrometheusText, sampleValue } from '../helpers/prom-text.js';

let d: Daemon;
let registry: Server;
let host = '';
const held: ServerResponse[] = [];
let open = false;
const answer = (res: ServerResponse) => { res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"held by the test"}]}'); };

before(async () => {
  // A registry whose manifest requests wait until `open`: each pull stays in flight as long as the test wants.
  registry = createServer((req, res) => {
    if (req.url === '/v2/' || req.url === '/v2') { res.writeHead(200, { 'content-type': 'application/json' }).end('{}'); return; }
    if (open) answer(res); else held.push(res);
  });
  await new Promise<void>((r) => registry.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(registry.address() as AddressInfo).port}`;
  d = new Daemon('wincri-metrics-limits');
  appendFileSync(d.configFile, `limits:\n  concurrentPulls: 1\nregistries:\n  "${host}":\n    insecure: true\n`);
  await d.start();
});

after(async () => {
  open = true;
  held.splice(0).forEach(answer);
  await d?.destroy();
  await new Promise((r) => registry?.close(r));
});

async function gauges(limit: string) {
  const res = await fetch(`${d.metricsUrl()}/metrics`);
  const f = parsePrometheusText(await res.text());
  return {
    inUse: sampleValue(f, 'wincri_limit_in_use', { limit }), queued: sampleValue(f, 'wincri_limit_queued', { limit }),
    capacity: sampleValue(f, 'wincri_limit_capacity', { limit }), rejected: sampleValue(f, 'wincri_limit_rejections_total', { limit }),
  };
}

test('limit gauges: a running pull holds the concurrentPulls slot, a second one queues; both return to 0', async () => {
  const idle = await gauges('concurrentPulls');
  assert.deepEqual(idle, { inUse: 0, queued: 0, capacity: 1, rejected: 0 });
  for (const limit of ['concurrentRpcs', 'concurrentCniCalls', 'concurrentExecSync']) assert.notEqual((await gauges(limit)).inUse, undefined, `${limit} is reported`);
  const ended: unknown[] = [];
  const pulls = ['a', 'b'].map((name) => call(d.image, 'PullImage', { image: { image: `${host}/${name}:1` } }, 60_000)
    .then(() => undefined, (e: Error) => e).then((r) => { ended.push(r ?? 'succeeded'); return r; }));
  // The first pull reached the registry: it holds the only slot; the second waits for it.
  await d.waitFor('the first pull to reach the registry', () => held.length >= 1 || ended.length > 0, 30_000);
  assert.deepEqual(ended, [], 'no pull ends while the registry holds its answers');
  await d.waitFor('the second pull to queue', async () => (await gauges('concurrentPulls')).queued === 1, 30_000);
  const busy = await gauges('concurrentPulls');
  assert.equal(busy.inUse, 1);
  assert.ok((await gauges('concurrentRpcs')).inUse! >= 2, 'both PullImage RPCs hold an RPC slot');
  open = true;
  held.splice(0).forEach(answer);
  for (const r of await Promise.all(pulls)) assert.match(String(r), /not found|MANIFEST_UNKNOWN/i, 'the held pulls fail as the registry answered');
  assert.deepEqual(await gauges('concurrentPulls'), { inUse: 0, queued: 0, capacity: 1, rejected: 0 });
});
