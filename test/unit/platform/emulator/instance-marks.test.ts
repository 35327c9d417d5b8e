/**
 * Two emulator instances (two state dirs) on one Linux host: every Linux object each makes carries its instance
 * mark, and the leak audit of one instance (doctor --leaks) judges only its own objects (and unmarked ones).
 * Root only; runs in the serial lane (test/run.mjs: test/unit/platform/emulator).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootNetworkingSkipReason } from '../../../helpers/netns.js';
import { LinuxNet, netnsName, bridgeName, vethName, tableName } from '../../../../src/platform/emulator/service/linuxnet.js';
import { instanceId } from '../../../../src/platform/emulator/service/instance.js';
import { listLinuxObjects } from '../../../../src/cli/doctor/linux-objects.js';
import { findLeaks } from '../../../../src/cli/doctor/leaks.js';

const skip = rootNetworkingSkipReason();

test('two emulator roots on one host: objects carry their instance, each leak audit reports only its own', { skip }, async (t) => {
  const roots = [mkdtempSync(join(tmpdir(), 'wincri-inst-a-')), mkdtempSync(join(tmpdir(), 'wincri-inst-b-'))];
  const ids = roots.map((r) => instanceId(join(r, 'emulator')));
  assert.notEqual(ids[0], ids[1]);
  assert.equal(instanceId(join(roots[0]!, 'emulator')), instanceId(`${roots[0]}/./emulator`), 'derived from the absolute path');
  const made = ids.map((id) => ({ id, net: new LinuxNet(() => undefined, id), ns: randomUUID(), network: randomUUID(), ep: randomUUID() }));
  const legacy = { net: new LinuxNet(() => undefined), ns: randomUUID() }; // made before marks existed
  t.after(async () => {
    for (const m of made) { await m.net.deleteNetns(netnsName(m.ns)); await m.net.deleteNetwork(m.network); }
    await legacy.net.deleteNetns(netnsName(legacy.ns));
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });
  for (const m of made) {
    await m.net.createNetns(netnsName(m.ns));
    await m.net.createBridge({ id: m.network, prefix: 24, masquerade: false });
    await m.net.attachEndpoint({ id: m.ep, netns: netnsName(m.ns), ifName: 'eth0', bridge: bridgeName(m.network), routes: [] });
  }
  await legacy.net.createNetns(netnsName(legacy.ns));

  const objects = listLinuxObjects();
  for (const m of made) {
    for (const key of [netnsName(m.ns), bridgeName(m.network), vethName(m.ep), `ip ${tableName(m.network)}`]) {
      assert.equal(objects.owners?.get(key), m.id, `${key} is marked with its instance`);
    }
  }
  assert.equal(objects.owners?.get(netnsName(legacy.ns)), undefined, 'unmarked');

  // Neither instance has HNS objects accounting for these: each audit sees its own as leaks, never the other's.
  const records = { sandboxes: [], containers: [], ownedNamespaces: [], creating: [] };
  for (const [i, m] of made.entries()) {
    const other = made[1 - i]!;
    const report = findLeaks(records, { systems: [], namespaces: [], endpoints: [], networks: [], linux: { objects, accounted: new Set(), instance: m.id } });
    const ids = new Set(report.leaks.map((l) => l.id));
    for (const mine of [netnsName(m.ns), bridgeName(m.network), vethName(m.ep), `ip ${tableName(m.network)}`]) assert.ok(ids.has(mine), `${mine} reported by its own instance`);
    for (const theirs of [netnsName(other.ns), bridgeName(other.network), vethName(other.ep), `ip ${tableName(other.network)}`]) assert.ok(!ids.has(theirs), `${theirs} not reported by the other instance`);
    assert.ok(ids.has(netnsName(legacy.ns)), 'unmarked objects stay in every audit (as before instance marks)');
  }
});
