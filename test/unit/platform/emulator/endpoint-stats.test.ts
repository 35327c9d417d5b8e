import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endpointStats, readInterfaceCounters, parseNetDev, netDevChanged } from '../../../../src/platform/emulator/service/endpoint-stats.js';
import { parseEndpointStats } from '../../../../src/platform/hcn/document/index.js';
import { rootNetworkingSkipReason } from '../../../helpers/netns.js';

const HEADER = 'Inter-|   Receive                                                |  Transmit\n' +
  ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n';

/** A /proc/net/dev text with one line per interface: [name, rx bytes, rx packets, rx drop, tx bytes, tx packets, tx drop]. */
function fakeNetDev(rows: [string, number, number, number, number, number, number][]): string {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-netdev-'));
  const text = HEADER + rows.map(([n, rb, rp, rd, tb, tp, td]) => `${n.padStart(6)}: ${rb} ${rp} 0 ${rd} 0 0 0 0 ${tb} ${tp} 0 ${td} 0 0 0 0`).join('\n') + '\n';
  writeFileSync(join(dir, 'dev'), text);
  return dir;
}

test('emulator endpoint stats: the host end of the veth is turned around to the container side (host tx = container rx)', (t) => {
  const dir = fakeNetDev([['lo', 1, 1, 0, 1, 1, 0], ['wincri-e1', 700, 7, 1, 1500, 15, 2]]);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const doc = endpointStats('ep-1', 'wincri-e1', join(dir, 'dev'));
  assert.deepEqual(parseEndpointStats(doc, 'ep-1'), { endpointId: 'ep-1', rxBytes: 1500, txBytes: 700, rxPackets: 15, txPackets: 7, rxDropped: 2, txDropped: 1 });
});

test('emulator endpoint stats: no interface (bookkeeping only or not attached) reports zero counters', (t) => {
  const dir = fakeNetDev([['other', 1, 1, 0, 1, 1, 0]]);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'dev');
  assert.equal(readInterfaceCounters('wincri-missing', file), undefined);
  assert.equal(readInterfaceCounters('wincri-missing', join(dir, 'absent')), undefined, 'an unreadable table is no interface');
  for (const doc of [endpointStats('ep-2', 'wincri-missing', file), endpointStats('ep-2', undefined)]) {
    const r = parseEndpointStats(doc, 'ep-2');
    assert.equal(r.endpointId, 'ep-2');
    assert.equal(r.rxBytes + r.txBytes + r.rxPackets + r.txPackets + r.rxDropped + r.txDropped, 0);
  }
});

test('emulator endpoint stats: one read serves a turn of the event loop, and a veth made or deleted meanwhile is read again', async (t) => {
  const dir = fakeNetDev([['wincri-a', 1, 1, 0, 1, 1, 0]]);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'dev');
  await new Promise((r) => setImmediate(r)); // a turn of its own: no other test's read is cached
  assert.equal(readInterfaceCounters('wincri-a', file)?.rx_bytes, 1);
  // The table changes within the turn (a veth made by a netlink completion of the same poll phase).
  writeFileSync(file, HEADER + '  wincri-a: 5 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n  wincri-b: 9 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n');
  assert.equal(readInterfaceCounters('wincri-b', file), undefined, 'the same turn is served from its one read');
  netDevChanged(); // linuxnet.ts after a veth is made or deleted
  assert.equal(readInterfaceCounters('wincri-b', file)?.rx_bytes, 9, 'read again after the change (was: zeros until the next turn)');
  await new Promise((r) => setImmediate(r));
  writeFileSync(file, HEADER + '  wincri-a: 6 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n');
  assert.equal(readInterfaceCounters('wincri-a', file)?.rx_bytes, 6, 'the next turn reads again');
});

test('emulator endpoint stats: /proc/net/dev lines are parsed whatever the name\'s width; a malformed line is no interface', () => {
  const table = parseNetDev(HEADER + 'wincri-0123456: 10 2 0 1 0 0 0 0 20 4 0 3 0 0 0 0\n  eth0: 1 2 3\n');
  assert.deepEqual(table.get('wincri-0123456'), { rx_bytes: 10, rx_packets: 2, rx_dropped: 1, tx_bytes: 20, tx_packets: 4, tx_dropped: 3 });
  assert.equal(table.has('eth0'), false);
  assert.equal(table.size, 1);
});

test('emulator endpoint stats: the loopback interface of this namespace is read', () => {
  const lo = readInterfaceCounters('lo');
  assert.ok(lo, '/proc/thread-self/net/dev lists lo');
  assert.ok(Number.isSafeInteger(lo.rx_bytes) && lo.rx_bytes >= 0);
});

/**
 * A reader in a network namespace of its own (a service under bench/isolated.sh, or in a test file's lane) whose sysfs was
 * mounted in another: an interface made there is found with the packets it sent (was: /sys/class/net of the mounting
 * namespace, where it does not exist: zeros, or a same-named interface's counters).
 */
test('emulator endpoint stats: counters follow the reader\'s network namespace, not the one that mounted sysfs', { skip: rootNetworkingSkipReason() }, () => {
  const mod = new URL('../../../../src/platform/emulator/service/endpoint-stats.js', import.meta.url).href;
  const code = `const m = await import(${JSON.stringify(mod)}); const d = (await import('node:dgram')).createSocket('udp4');
    d.send(Buffer.from('counted'), 9, '10.254.77.2', (e) => { d.close(); if (e) throw e;
      console.log(JSON.stringify(m.readInterfaceCounters('wincri-st0') ?? null)); });`;
  const r = spawnSync('unshare', ['-n', 'sh', '-ec',
    'ip link add wincri-st0 type veth peer name wincri-st1 && ip addr add 10.254.77.1/24 dev wincri-st0 && ' +
    'ip link set wincri-st1 up && ip link set wincri-st0 up && exec "$0" --input-type=module -e "$1"',
    process.execPath, code], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout.trim()) as { tx_packets: number; tx_bytes: number } | null;
  assert.ok(got, 'the interface is found in the reader\'s namespace');
  // The datagram (or the ARP request that goes out before it) is counted.
  assert.ok(got.tx_packets >= 1 && got.tx_bytes > 0, `what was sent through it is counted: ${JSON.stringify(got)}`);
});
