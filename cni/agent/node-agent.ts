/**
 * Overlay node agent: watches Node objects and keeps, on the local Overlay HNS network, exactly one
 * RemoteSubnetRoute network policy per other node: {DestinationPrefix: remote pod CIDR, ProviderAddress: remote
 * node address, IsolationId: VNI[, DistributedRouterMacAddress]}. Stale and duplicate routes are removed.
 *
 * List + watch with @kubernetes/client-node; any end of the watch (error, server close, 410 Gone, inactivity
 * timeout) leads to a fresh list, so the agent converges after API-server disconnects. Reconciling compares the
 * network's current policies with the desired set, so running it again changes nothing (idempotent). A periodic
 * resync also re-programs a network HNS recreated (for example after a reboot).
 */
import type { Platform, NetworkService } from '../../src/platform/types.js';
import type { NetworkPolicyDoc, RemoteSubnetRoutePolicySettingDoc } from '../../src/platform/hcn/schema/index.js';
import {
  buildFilterQuery, buildNetworkPolicyRequest, networkVni, remoteSubnetRoutePolicy,
} from '../../src/platform/hcn/document/index.js';
import { logger, type Logger } from '../../src/util/log.js';

/** The parts of a v1 Node the agent reads. */
export interface NodeLike {
  metadata?: { name?: string; annotations?: Record<string, string>; resourceVersion?: string };
  spec?: { podCIDR?: string; podCIDRs?: string[] };
  status?: { addresses?: { type: string; address: string }[] };
}

export interface RemoteRoute { node: string; destinationPrefix: string; providerAddress: string; drMacAddress?: string }

const FLANNEL = 'flannel.alpha.coreos.com';
const isV4 = (s: string) => /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(s);

/** The route a node needs on every other node, if it has an IPv4 pod CIDR and an address. */
export function routeForNode(n: NodeLike): RemoteRoute | undefined {
  const name = n.metadata?.name;
  if (!name) return undefined;
  const cidr = (n.spec?.podCIDRs ?? []).find(isV4) ?? (n.spec?.podCIDR && isV4(n.spec.podCIDR) ? n.spec.podCIDR : undefined);
  if (!cidr) return undefined;
  const ann = n.metadata?.annotations ?? {};
  const addrs = n.status?.addresses ?? [];
  const pa = ann[`${FLANNEL}/public-ip-overwrite`] || ann[`${FLANNEL}/public-ip`]
    || addrs.find((a) => a.type === 'InternalIP' && isV4(a.address))?.address
    || addrs.find((a) => a.type === 'ExternalIP' && isV4(a.address))?.address;
  if (!pa) return undefined;
  let drMacAddress: string | undefined;
  try {
    const bd = ann[`${FLANNEL}/backend-data`];
    const mac = bd ? (JSON.parse(bd) as { VtepMAC?: unknown }).VtepMAC : undefined;
    if (typeof mac === 'string' && mac) drMacAddress = mac.replace(/:/g, '-').toUpperCase();
  } catch { /* not JSON: ignore */ }
  return { node: name, destinationPrefix: cidr, providerAddress: pa, drMacAddress };
}

/** Desired routes: one per other node; a pod CIDR claimed twice goes to the node whose name sorts first. */
export function desiredRoutes(nodes: Iterable<NodeLike>, self: string): RemoteRoute[] {
  const byPrefix = new Map<string, RemoteRoute>();
  const sorted = [...nodes].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  for (const n of sorted) {
    if (n.metadata?.name === self) continue;
    const r = routeForNode(n);
    if (r && !byPrefix.has(r.destinationPrefix)) byPrefix.set(r.destinationPrefix, r);
  }
  return [...byPrefix.values()];
}

export interface ReconcileResult { network?: string; added: string[]; removed: string[] }

/**
 * Makes the RemoteSubnetRoute policies of network `networkName` equal to `routes` (VNI from the network's VSID
 * subnet policy, default 4096). Returns what changed; network missing → nothing done (network undefined).
 */
export async function reconcileRoutes(net: NetworkService, networkName: string, routes: RemoteRoute[]): Promise<ReconcileResult> {
  const found = (await net.enumerateNetworks(buildFilterQuery({ Name: networkName }))).find((n) => n.Name === networkName);
  if (!found?.ID) return { added: [], removed: [] };
  if (!net.modifyNetwork) throw new Error('this platform backend cannot modify HNS network policies (HcnModifyNetwork)');
  const vni = networkVni(found) ?? 4096;
  const want = new Map(routes.map((r) => [r.destinationPrefix, remoteSubnetRoutePolicy({
    destinationPrefix: r.destinationPrefix, providerAddress: r.providerAddress, isolationId: vni, drMacAddress: r.drMacAddress,
  })]));
  const current = (found.Policies ?? []).filter((p) => p.Type === 'RemoteSubnetRoute');
  const same = (a: NetworkPolicyDoc, b: NetworkPolicyDoc) => {
    const x = a.Settings as RemoteSubnetRoutePolicySettingDoc;
    const y = b.Settings as RemoteSubnetRoutePolicySettingDoc;
    return x.DestinationPrefix === y.DestinationPrefix && x.ProviderAddress === y.ProviderAddress
      && (x.IsolationId ?? 0) === (y.IsolationId ?? 0) && (x.DistributedRouterMacAddress ?? '') === (y.DistributedRouterMacAddress ?? '');
  };
  const keep = new Set<string>();
  const remove: NetworkPolicyDoc[] = [];
  for (const p of current) {
    const prefix = (p.Settings as RemoteSubnetRoutePolicySettingDoc | undefined)?.DestinationPrefix ?? '';
    const w = want.get(prefix);
    if (w && same(p, w) && !keep.has(prefix)) keep.add(prefix);
    else remove.push(p);
  }
  const result: ReconcileResult = { network: found.ID, added: [], removed: [] };
  // Remove first (a changed route is removed, then added again, as flannel does).
  for (const p of remove) {
    await net.modifyNetwork(found.ID, buildNetworkPolicyRequest('Remove', [p]));
    result.removed.push((p.Settings as RemoteSubnetRoutePolicySettingDoc).DestinationPrefix ?? '');
  }
  for (const [prefix, p] of want) {
    if (keep.has(prefix)) continue;
    await net.modifyNetwork(found.ID, buildNetworkPolicyRequest('Add', [p]));
    result.added.push(prefix);
  }
  return result;
}

export interface NodeAgentOptions {
  kubeconfig?: string;
  nodeName: string;
  networkName: string;
  platform: Platform;
  signal?: AbortSignal;
  /** Re-reconcile this often even without events (default 30 s). */
  resyncMs?: number;
  /** Delay before re-listing after the watch ended (default 1 s, doubling to 10 s while lists fail). */
  retryDelayMs?: number;
  /** Called after each reconcile (tests observe convergence through it). */
  onReconcile?: (r: ReconcileResult) => void;
  log?: Logger;
}

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((res) => {
  if (signal?.aborted) return res();
  const t = setTimeout(done, ms);
  function done() { clearTimeout(t); signal?.removeEventListener('abort', done); res(); }
  signal?.addEventListener('abort', done, { once: true });
});

/** Runs until `signal` aborts. */
export async function runNodeAgent(opts: NodeAgentOptions): Promise<void> {
  const log = opts.log ?? logger('node-agent');
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig); else kc.loadFromDefault();
  const api = kc.makeApiClient(k8s.CoreV1Api);
  const watcher = new k8s.Watch(kc);
  const nodes = new Map<string, NodeLike>();
  const signal = opts.signal;

  // Reconciles run one at a time; a request while one runs schedules exactly one more.
  let running: Promise<void> | undefined;
  let again = false;
  const reconcile = (): Promise<void> => {
    if (running) { again = true; return running; }
    running = (async () => {
      do {
        again = false;
        try {
          const r = await reconcileRoutes(opts.platform.network, opts.networkName, desiredRoutes(nodes.values(), opts.nodeName));
          if (!r.network) log.debug('overlay network not present yet', { network: opts.networkName });
          if (r.added.length || r.removed.length) log.info('remote subnet routes updated', { added: r.added.join(','), removed: r.removed.join(',') });
          opts.onReconcile?.(r);
        } catch (e) {
          log.warn('reconcile failed', { error: (e as Error).message });
        }
      } while (again && !signal?.aborted);
    })().finally(() => { running = undefined; });
    return running;
  };

  const resync = setInterval(() => { void reconcile(); }, opts.resyncMs ?? 30_000);
  const baseDelay = opts.retryDelayMs ?? 1000;
  let delay = baseDelay;
  try {
    while (!signal?.aborted) {
      try {
        const list = await api.listNode();
        nodes.clear();
        for (const n of list.items) if (n.metadata?.name) nodes.set(n.metadata.name, n as NodeLike);
        delay = baseDelay;
        void reconcile();
        let rv = list.metadata?.resourceVersion;
        const ended = await new Promise<unknown>((resolve) => {
          let req: { abort(): void } | undefined;
          const onAbort = () => { req?.abort(); resolve(undefined); };
          signal?.addEventListener('abort', onAbort, { once: true });
          watcher.watch('/api/v1/nodes', { resourceVersion: rv, allowWatchBookmarks: true }, (type: string, obj: NodeLike & { code?: number }) => {
            if (type === 'ERROR') { req?.abort(); resolve(new Error(`watch error ${obj.code ?? ''}`)); return; }
            if (obj.metadata?.resourceVersion) rv = obj.metadata.resourceVersion;
            if (type === 'BOOKMARK') return;
            const name = obj.metadata?.name;
            if (!name) return;
            if (type === 'DELETED') nodes.delete(name); else nodes.set(name, obj);
            void reconcile();
          }, (err: unknown) => { signal?.removeEventListener('abort', onAbort); resolve(err); })
            .then((r) => { req = r; if (signal?.aborted) r.abort(); }, (e: unknown) => resolve(e));
        });
        if (signal?.aborted) break;
        log.info('node watch ended; listing again', { error: ended ? (ended as Error).message : undefined });
      } catch (e) {
        if (signal?.aborted) break;
        log.warn('listing nodes failed', { error: (e as Error).message, retryMs: delay });
        await sleep(delay, signal);
        delay = Math.min(delay * 2, 10_000);
        continue;
      }
      await sleep(baseDelay, signal);
    }
  } finally {
    clearInterval(resync);
    await running;
  }
}
