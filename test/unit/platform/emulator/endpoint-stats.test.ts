import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endpointStats, readInterfaceCounters } from '../../../../src/platform/emulator/service/endpoint-stats.js';
import { parseEndpointStats } from '../../../../src/platform/hcn/document/index.js';

function fakeSysfs(ifName: string, counters: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-sysfs-'));
  mkdirSync(join(dir, ifName, 'statistics'), { recursive: true });
  for (const [k, v] of Object.entries(counters)) writeFileSync(join(dir, ifName, 'statistics', k), v);
  return dir;
}

test('emulator endpoint stats: the host end of the veth is turned around to the container side (host tx = container rx)', (t) => {
  const sysfs = fakeSysfs('wincri-e1', { rx_bytes: '700\n', tx_bytes: '1500\n', rx_packets: '7\n', tx_packets: '15\n', rx_dropped: '1\n', tx_dropped: '2\n' });
  t.after(() => rmSync(sysfs, { recursive: true, force: true }));
  const doc = endpointStats('ep-1', 'wincri-e1', sysfs);
  assert.deepEqual(parseEndpointStats(doc, 'ep-1'), { endpointId: 'ep-1', rxBytes: 1500, txBytes: 700, rxPackets: 15, txPackets: 7, rxDropped: 2, txDropped: 1 });
});

test('emulator endpoint stats: no interface (bookkeeping only or not attached) reports zero counters', (t) => {
  const sysfs = fakeSysfs('other', { rx_bytes: '1' });
  t.after(() => rmSync(sysfs, { recursive: true, force: true }));
  assert.equal(readInterfaceCounters('wincri-missing', sysfs), undefined);
  assert.equal(readInterfaceCounters('other', sysfs), undefined, 'an incomplete statistics directory is not trusted');
  for (const doc of [endpointStats('ep-2', 'wincri-missing', sysfs), endpointStats('ep-2', undefined)]) {
    const r = parseEndpointStats(doc, 'ep-2');
    assert.equal(r.endpointId, 'ep-2');
    assert.equal(r.rxBytes + r.txBytes + r.rxPackets + r.txPackets + r.rxDropped + r.txDropped, 0);
  }
});

test('emulator endpoint stats: the loopback interface of this host is read from the real sysfs', () => {
  const lo = readInterfaceCounters('lo');
  assert.ok(lo, '/sys/class/net/lo/statistics is readable');
  assert.ok(Number.isSafeInteger(lo.rx_bytes) && lo.rx_bytes >= 0);
});
