/**
 * The built-in default pod network of the emulator backend (config `cni.defaultNetwork`): used while the CNI conf
 * dir holds no configuration file at all, so that a fresh node runs pods with no set-up step. It is wincri's own
 * `nat` plugin (cni/; on the emulator: a Linux bridge holding the gateway address, nftables masquerade of the
 * subnet, DNAT for host ports) and lives only in memory: an operator's configuration, written at any time, wins
 * at the next call, and nothing is ever written into the conf dir.
 */
import { parseNetworkConfig, type NetworkList } from './config.js';

export interface DefaultNetworkOptions { name: string; subnet: string }

/** Where the built-in network says it comes from (Status, logs, the result cache). */
export const DEFAULT_NETWORK_SOURCE = 'built-in default network (cni.defaultNetwork)';

export function defaultNetworkList(o: DefaultNetworkOptions): NetworkList {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(o.subnet);
  if (!m) throw new Error(`default network subnet "${o.subnet}" is not an IPv4 CIDR`);
  const prefix = Number(m[5]);
  const ip = m.slice(1, 5).reduce((a, x) => a * 256 + Number(x), 0);
  const base = prefix === 0 ? 0 : ip - (ip % 2 ** (32 - prefix));
  const dotted = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
  const conf = {
    // 1.0.0: no STATUS exec on every CRI Status call (kubelet polls it); DEL still gets prevResult.
    cniVersion: '1.0.0', name: o.name,
    plugins: [{ type: 'nat', subnet: `${dotted(base)}/${prefix}`, gateway: dotted(base + 1), capabilities: { portMappings: true, dns: true } }],
  };
  return parseNetworkConfig(JSON.stringify(conf), `${DEFAULT_NETWORK_SOURCE}.conflist`);
}
