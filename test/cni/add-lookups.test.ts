/**
 * The plugin's ADD in process, over the emulator's HNS with a wrapper that counts or fails calls: how many network
 * lookups an ADD makes, and the error order when the lookups asked at once fail together.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CniHarness } from './helpers.js';
import { cmdAdd, cmdDel, type CniEnv } from '../../cni/plugin/commands.js';
import { parseNetConf } from '../../cni/plugin/config.js';
import type { NetworkService } from '../../src/platform/types.js';

let h: CniHarness;
before(async () => { h = await CniHarness.start(); });
after(async () => { await h.stop(); });

/** The emulator's network service with some methods replaced. */
function wrap(base: NetworkService, over: Partial<NetworkService>): NetworkService {
  return new Proxy(base, {
    get(t, k) {
      if (k in over) return over[k as keyof NetworkService];
      const v = Reflect.get(t, k);
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
}

const conf = (name: string, octet: number) => parseNetConf(JSON.stringify({
  cniVersion: '1.1.0', name, type: 'nat', subnet: `10.${octet}.0.0/24`, ipam: { type: 'host-local', dataDir: h.dataDir },
}));
const cniEnv = (command: string, containerId: string, netns: string): CniEnv =>
  ({ command, containerId, netns, ifname: 'eth0', path: '', args: new Map() });

test('an ADD that creates its network looks the network up once', async () => {
  const base = h.platform.network;
  let lookups = 0;
  const net = wrap(base, { enumerateNetworks: (q) => { lookups++; return base.enumerateNetworks(q); } });
  const c = conf('natlookup', 160);
  const ns = await h.namespace();
  const att = await cmdAdd(c, cniEnv('ADD', 'lookup1', ns), net);
  assert.ok(att, 'attached');
  assert.equal((await base.enumerateNetworks()).filter((n) => n.Name === 'natlookup').length, 1, 'the network was created');
  assert.equal(lookups, 1, '"looked up, not found" is not looked up again before the creation');
  lookups = 0;
  await cmdAdd(c, cniEnv('ADD', 'lookup2', ns), net);
  assert.equal(lookups, 1, 'an existing network: one lookup');
  await cmdDel(c, cniEnv('DEL', 'lookup1', ns), base);
  await cmdDel(c, cniEnv('DEL', 'lookup2', ns), base);
});
