/**
 * The service's HNS calls (HcnCreate/Query/Modify/Delete/Enumerate of networks, endpoints and namespaces) with
 * their locks: a network change runs alone (its Linux objects are complete before an endpoint on it is
 * programmed); the changes of one endpoint or namespace run in order, those of different ones side by side
 * (hns-locks.ts, keys from hns-keys.ts). Queries take no lock.
 */
import { HnsLocks } from './hns-locks.js';
import { hnsKeys } from './hns-keys.js';
import type { NetworkEmulator } from './network.js';

type Call = (n: NetworkEmulator, p: Record<string, unknown>) => Promise<unknown> | unknown;

/** The HNS calls that change something (run under the locks of hns-locks.ts). */
const CHANGE_METHODS = ['createNetwork', 'deleteNetwork', 'modifyNetwork', 'createEndpoint', 'deleteEndpoint', 'createNamespace', 'modifyNamespace', 'deleteNamespace'] as const;

const CHANGES: Record<typeof CHANGE_METHODS[number], Call> = {
  createNetwork: (n, p) => n.createNetwork(p.id, p.settings),
  deleteNetwork: (n, p) => n.deleteNetwork(String(p.id)).then(() => null),
  modifyNetwork: (n, p) => n.modifyNetwork(String(p.id), p.request).then(() => null),
  createEndpoint: (n, p) => n.createEndpoint(String(p.networkId), p.id, p.settings),
  deleteEndpoint: (n, p) => n.deleteEndpoint(String(p.id)).then(() => null),
  createNamespace: (n, p) => n.createNamespace(p.id, p.settings),
  modifyNamespace: (n, p) => n.modifyNamespace(String(p.id), p.request).then(() => null),
  deleteNamespace: (n, p) => n.deleteNamespace(String(p.id)).then(() => null),
};

/** The HNS calls that only read (no lock). */
const QUERY_METHODS = ['queryNetwork', 'enumerateNetworks', 'queryEndpoint', 'enumerateEndpoints', 'queryEndpointStats', 'queryNamespace', 'enumerateNamespaces', 'namespaceNetns', 'settleRemovals'] as const;

const QUERIES: Record<typeof QUERY_METHODS[number], Call> = {
  queryNetwork: (n, p) => n.queryNetwork(String(p.id)),
  enumerateNetworks: (n, p) => n.enumerateNetworks(p.query),
  queryEndpoint: (n, p) => n.queryEndpoint(String(p.id)),
  enumerateEndpoints: (n, p) => n.enumerateEndpoints(p.query),
  queryEndpointStats: (n, p) => n.queryEndpointStats(String(p.id)),
  queryNamespace: (n, p) => n.queryNamespace(String(p.id)),
  enumerateNamespaces: (n, p) => n.enumerateNamespaces(p.query),
  namespaceNetns: (n, p) => n.linuxNetns(String(p.id)) ?? null,
  settleRemovals: (n) => n.settleRemovals(),
};

/** The wire methods of the HNS calls (tests check each is covered by a fault case; fault-ops.ts types them). */
export const HNS_METHODS = [...CHANGE_METHODS, ...QUERY_METHODS] as const;
export type HnsMethod = typeof HNS_METHODS[number];

export class HnsDispatch {
  private readonly locks = new HnsLocks();
  constructor(private readonly network: NetworkEmulator) {}

  // Own keys only: a method named like an Object.prototype member (toString, constructor) is no HNS call.
  handles(method: string): boolean { return Object.hasOwn(CHANGES, method) || Object.hasOwn(QUERIES, method); }

  async dispatch(method: string, p: Record<string, unknown>): Promise<unknown> {
    if (Object.hasOwn(QUERIES, method)) return QUERIES[method as keyof typeof QUERIES](this.network, p);
    const change: Call = CHANGES[method as keyof typeof CHANGES];
    const keys = hnsKeys(this.network, method, p);
    const f = async () => change(this.network, p);
    return keys.length ? this.locks.shared(keys, f) : this.locks.exclusive(f);
  }

  /** Runs `f` with every HNS change finished and none starting (the service's stop). */
  alone<T>(f: () => Promise<T>): Promise<T> { return this.locks.exclusive(f); }
}
