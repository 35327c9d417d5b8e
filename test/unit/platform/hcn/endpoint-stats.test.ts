import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEndpointStats } from '../../../../src/platform/hcn/document/index.js';

const EP = '9a2f0c3e-1b4d-4c5e-8f6a-7b8c9d0e1f2a';

test('endpoint stats: HNS counters map to rx/tx bytes, packets and drops from the container side', () => {
  const doc = {
    EndpointID: EP, InstanceId: 'b0c1d2e3-0000-4000-8000-000000000001', BytesReceived: 123456, BytesSent: 7890,
    PacketsReceived: 321, PacketsSent: 45, DroppedPacketsIncoming: 6, DroppedPacketsOutgoing: 2,
  };
  assert.deepEqual(parseEndpointStats(doc, 'queried'), {
    endpointId: EP, rxBytes: 123456, txBytes: 7890, rxPackets: 321, txPackets: 45, rxDropped: 6, txDropped: 2,
  });
  assert.deepEqual(parseEndpointStats(JSON.stringify(doc), 'queried'), parseEndpointStats(doc, 'queried'), 'text and parsed JSON agree');
});

test('endpoint stats: missing counters are 0, a missing EndpointID is the queried id, newer fields are ignored', () => {
  const r = parseEndpointStats({ BytesSent: 10, SomeNewCounter: 5 }, EP);
  assert.deepEqual(r, { endpointId: EP, rxBytes: 0, txBytes: 10, rxPackets: 0, txPackets: 0, rxDropped: 0, txDropped: 0 });
  assert.equal(parseEndpointStats('', EP).rxBytes, 0, 'an empty result is an endpoint that carried nothing');
  assert.equal(parseEndpointStats({ BytesReceived: null }, EP).rxBytes, 0, 'JSON null is omitted');
});

test('endpoint stats: a counter that is not a non-negative integer is refused, naming the field', () => {
  assert.throws(() => parseEndpointStats({ BytesReceived: -1 }, EP), /BytesReceived/);
  assert.throws(() => parseEndpointStats({ BytesSent: 'many' }, EP), /BytesSent/);
  assert.throws(() => parseEndpointStats([], EP), new RegExp(EP));
});
