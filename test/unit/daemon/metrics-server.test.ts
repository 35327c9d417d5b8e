import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry, Counter } from 'prom-client';
import { startMetricsServer, splitHostPort } from '../../../src/daemon/metrics-server.js';
import { parsePrometheusText } from '../../helpers/prom-text.js';

test('/healthz names what is not ready, then answers ok; /metrics serves the registry', async () => {
  const registry = new Registry();
  new Counter({ name: 'wincri_test_total', help: 'a test counter', registers: [registry] }).inc(2);
  let ready = false;
  const s = await startMetricsServer('127.0.0.1:0', registry, { runtime: () => (ready ? undefined : 'recovering'), network: () => undefined });
  try {
    const notYet = await fetch(`http://${s.address}/healthz`);
    assert.equal(notYet.status, 503);
    assert.equal(await notYet.text(), 'not ready\nruntime: recovering\n');
    ready = true;
    const ok = await fetch(`http://${s.address}/healthz`);
    assert.equal(ok.status, 200);
    const f = parsePrometheusText(await (await fetch(`http://${s.address}/metrics`)).text());
    assert.equal(f.get('wincri_test_total')?.samples[0]?.value, 2);
    assert.equal((await fetch(`http://${s.address}/metrics`, { method: 'POST' })).status, 405);
  } finally {
    await s.close();
  }
});

test('splitHostPort accepts host:port and [v6]:port, rejects the rest', () => {
  assert.deepEqual(splitHostPort('127.0.0.1:10269'), ['127.0.0.1', 10269]);
  assert.deepEqual(splitHostPort('[::1]:9'), ['::1', 9]);
  assert.deepEqual(splitHostPort(':9'), ['127.0.0.1', 9]);
  assert.throws(() => splitHostPort('localhost'), /not host:port/);
});

test('the text parser rejects malformed expositions', () => {
  assert.throws(() => parsePrometheusText('# HELP a x\na{b="1} 1\n'), /unterminated/);
  assert.throws(() => parsePrometheusText('# HELP a x\na 1x\n'), /bad sample value/);
  assert.throws(() => parsePrometheusText('a 1\n'), /no HELP/);
  assert.throws(() => parsePrometheusText('# HELP a x\n# TYPE a countr\n'), /unknown type/);
  assert.equal(parsePrometheusText('# HELP a x\n# TYPE a gauge\na{l="q\\"\\n"} -1.5e3\n').get('a')?.samples[0]?.labels.l, 'q"\n');
});
