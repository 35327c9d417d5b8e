/**
 * The plugin's ADD in process, over the emulator's HNS with a wrapper that counts or fails calls: how many network
 * lookups an ADD makes, and the error order when the lookups asked at once fail together.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CniHarness } from './helpers.js';
import { cmdAdd, cmdDel, type CniEnv } from '../../cni/plugin/commands.js';
import { parseNetConf } from '../../cni/plugin/config.js';
import { CniError, CNI_ERR } from '../../cni/plugin/errors.js';
import { PlatformError, HRESULT } from '../../src/platform/hresult.js';
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

test('ADD into a missing namespace while the network lookup fails: the namespace error, no unhandled rejection', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => { unhandled.push(e); };
  process.on('unhandledRejection', onUnhandled);
  try {
    const base = h.platform.network;
    const missing = '0b9b1c8e-2222-4a4a-9c9c-123456789abc';
    const hnsDown = () => new PlatformError(HRESULT.E_FAIL, 'HcnEnumerateNetworks', 'the service is not answering');
    // The lookup fails before the namespace answers, and (second case) only after the ADD has already failed.
    let namespaceAnswered!: () => void;
    const answered = new Promise<void>((r) => { namespaceAnswered = r; });
    for (const late of [false, true]) {
      const net = wrap(base, {
        enumerateNetworks: async () => { if (late) await answered; throw hnsDown(); },
        queryNamespace: async (id) => { try { return await base.queryNamespace(id); } finally { if (late) setImmediate(namespaceAnswered); } },
      });
      await assert.rejects(cmdAdd(conf('natmissing', 161), cniEnv('ADD', `miss-${late}`, missing), net),
        (e: unknown) => e instanceof CniError && e.code === CNI_ERR.UnknownContainer && /does not exist/.test(e.message), `late lookup failure: ${late}`);
    }
    await answered;
    // Let any rejection nobody handled be reported (node reports them once the microtask queue is drained).
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    assert.deepEqual(unhandled, []);
    assert.equal((await base.enumerateNetworks()).some((n) => n.Name === 'natmissing'), false, 'no network created');
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
