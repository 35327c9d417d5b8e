/**
 * NetworkService over computenetwork.dll, following hcsshim's call pattern (hcn/*.go): create → query with the
 * default query → close; enumerate returns GUIDs, each opened, queried with the same query and closed; modify
 * and query go through an opened handle. Every call runs on a koffi worker thread (HCN calls are synchronous RPCs
 * to the HNS service). Load balancers are bound too (not part of the NetworkService seam yet).
 */
import type { NetworkService } from '../types.js';
import type {
  HostComputeNamespaceDoc, HostComputeEndpointDoc, HostComputeNetworkDoc, ModifyNamespaceSettingRequestDoc, ModifyNetworkSettingRequestDoc, HcnQueryDoc,
  EndpointStatsDoc,
} from '../hcn/schema/index.js';
import { HRESULT, PlatformError } from '../hresult.js';
import {
  callAsync, takeString, checkHcn, guidStruct, parseJson, type Bindings, type HcnKind, type Pointer,
} from './ffi/index.js';

const DEFAULT_QUERY: HcnQueryDoc = { SchemaVersion: { Major: 2, Minor: 0 } } as HcnQueryDoc;

export class WinNetwork implements NetworkService {
  constructor(private readonly b: Bindings) {}

  private str(p: Pointer): string | undefined { return takeString(p, this.b.coTaskMemFree); }

  private guid(op: string, id: string): ReturnType<typeof guidStruct> {
    try { return guidStruct(id); } catch { throw new PlatformError(HRESULT.HCN_E_GUID_CONVERSION_FAILURE, op, `${id} is not a GUID`); }
  }

  private async open(kind: HcnKind, id: string): Promise<Pointer> {
    const op = `HcnOpen${kind}`;
    const out: Pointer[] = [null];
    const err: Pointer[] = [null];
    const hr = await callAsync<number>(this.b.hcn[kind].open, this.guid(op, id), out, err);
    checkHcn(hr, op, this.str(err[0]));
    return out[0];
  }
  private async closeH(kind: HcnKind, h: Pointer): Promise<void> { await callAsync(this.b.hcn[kind].close, h); }

  private async queryHandle<T>(kind: HcnKind, h: Pointer, query: HcnQueryDoc = DEFAULT_QUERY): Promise<T> {
    const op = `HcnQuery${kind}Properties`;
    const props: Pointer[] = [null];
    const err: Pointer[] = [null];
    const hr = await callAsync<number>(this.b.hcn[kind].query, h, JSON.stringify(query), props, err);
    const text = this.str(props[0]);
    checkHcn(hr, op, this.str(err[0]));
    return this.normalize(kind, parseJson<T>(text, op));
  }
  /** HNS omits Type for NAT networks (enum value 0); hcsshim pre-fills "NAT". */
  private normalize<T>(kind: HcnKind, doc: T): T {
    if (kind === 'Network' && doc && typeof doc === 'object' && !(doc as { Type?: string }).Type) (doc as { Type?: string }).Type = 'NAT';
    return doc;
  }

  private async with<T>(kind: HcnKind, id: string, f: (h: Pointer) => Promise<T>): Promise<T> {
    const h = await this.open(kind, id);
    try { return await f(h); } finally { await this.closeH(kind, h); }
  }

  private async create<T>(kind: HcnKind, id: string, settings: unknown, network?: Pointer): Promise<T> {
    const op = `HcnCreate${kind}`;
    const out: Pointer[] = [null];
    const err: Pointer[] = [null];
    const g = this.guid(op, id);
    const text = JSON.stringify(settings);
    const hr = kind === 'Endpoint'
      ? await callAsync<number>(this.b.hcn.Endpoint.create, network, g, text, out, err)
      : await callAsync<number>(this.b.hcn[kind].create, g, text, out, err);
    checkHcn(hr, op, this.str(err[0]));
    try { return await this.queryHandle<T>(kind, out[0]); } finally { await this.closeH(kind, out[0]); }
  }

  private async remove(kind: HcnKind, id: string): Promise<void> {
    const op = `HcnDelete${kind}`;
    const err: Pointer[] = [null];
    const hr = await callAsync<number>(this.b.hcn[kind].delete, this.guid(op, id), err);
    checkHcn(hr, op, this.str(err[0]));
  }

  private async enumerate<T>(kind: HcnKind, query?: HcnQueryDoc): Promise<T[]> {
    const op = `HcnEnumerate${kind}s`;
    const q = query ?? DEFAULT_QUERY;
    const out: Pointer[] = [null];
    const err: Pointer[] = [null];
    const hr = await callAsync<number>(this.b.hcn[kind].enumerate, JSON.stringify(q), out, err);
    const text = this.str(out[0]);
    checkHcn(hr, op, this.str(err[0]));
    const ids = parseJson<string[] | null>(text, op, []) ?? [];
    const docs: T[] = [];
    for (const id of ids) {
      try {
        docs.push(await this.with(kind, id, (h) => this.queryHandle<T>(kind, h, q)));
      } catch (e) {
        // deleted between enumerate and open
        if (!(e instanceof PlatformError && e.is('HCN_E_NETWORK_NOT_FOUND', 'HCN_E_ENDPOINT_NOT_FOUND', 'ERROR_NOT_FOUND'))) throw e;
      }
    }
    return docs;
  }

  private async modify(kind: HcnKind, id: string, request: unknown): Promise<void> {
    await this.with(kind, id, async (h) => {
      const err: Pointer[] = [null];
      const hr = await callAsync<number>(this.b.hcn[kind].modify, h, JSON.stringify(request), err);
      checkHcn(hr, `HcnModify${kind}`, this.str(err[0]));
    });
  }

  createNetwork(id: string, settings: HostComputeNetworkDoc): Promise<HostComputeNetworkDoc> { return this.create('Network', id, settings); }
  queryNetwork(id: string): Promise<HostComputeNetworkDoc> { return this.with('Network', id, (h) => this.queryHandle('Network', h)); }
  /** HcnModifyNetwork (network policies, e.g. RemoteSubnetRoute for the overlay node agent). */
  modifyNetwork(id: string, request: ModifyNetworkSettingRequestDoc): Promise<void> { return this.modify('Network', id, request); }
  deleteNetwork(id: string): Promise<void> { return this.remove('Network', id); }
  enumerateNetworks(query?: HcnQueryDoc): Promise<HostComputeNetworkDoc[]> { return this.enumerate('Network', query); }

  createEndpoint(networkId: string, id: string, settings: HostComputeEndpointDoc): Promise<HostComputeEndpointDoc> {
    return this.with('Network', networkId, (net) => this.create<HostComputeEndpointDoc>('Endpoint', id, settings, net));
  }
  queryEndpoint(id: string): Promise<HostComputeEndpointDoc> { return this.with('Endpoint', id, (h) => this.queryHandle('Endpoint', h)); }
  deleteEndpoint(id: string): Promise<void> { return this.remove('Endpoint', id); }
  enumerateEndpoints(query?: HcnQueryDoc): Promise<HostComputeEndpointDoc[]> { return this.enumerate('Endpoint', query); }
  /** HcnQueryEndpointStats through an opened endpoint handle (the query is the default one, as for properties). */
  queryEndpointStats(id: string): Promise<EndpointStatsDoc> {
    return this.with('Endpoint', id, async (h) => {
      const op = 'HcnQueryEndpointStats';
      const stats: Pointer[] = [null];
      const err: Pointer[] = [null];
      const hr = await callAsync<number>(this.b.hcn.EndpointExtras.queryStats, h, JSON.stringify(DEFAULT_QUERY), stats, err);
      const text = this.str(stats[0]);
      checkHcn(hr, op, this.str(err[0]));
      return parseJson<EndpointStatsDoc | null>(text, op, {}) ?? {};
    });
  }

  createNamespace(id: string, settings: HostComputeNamespaceDoc): Promise<HostComputeNamespaceDoc> { return this.create('Namespace', id, settings); }
  queryNamespace(id: string): Promise<HostComputeNamespaceDoc> { return this.with('Namespace', id, (h) => this.queryHandle('Namespace', h)); }
  modifyNamespace(id: string, request: ModifyNamespaceSettingRequestDoc): Promise<void> { return this.modify('Namespace', id, request); }
  deleteNamespace(id: string): Promise<void> { return this.remove('Namespace', id); }
  enumerateNamespaces(query?: HcnQueryDoc): Promise<HostComputeNamespaceDoc[]> { return this.enumerate('Namespace', query); }

  // Load balancers (HostComputeLoadBalancer JSON), for the node agent / kube-proxy work that needs them.
  createLoadBalancer(id: string, settings: Record<string, unknown>): Promise<Record<string, unknown>> { return this.create('LoadBalancer', id, settings); }
  queryLoadBalancer(id: string): Promise<Record<string, unknown>> { return this.with('LoadBalancer', id, (h) => this.queryHandle('LoadBalancer', h)); }
  modifyLoadBalancer(id: string, settings: Record<string, unknown>): Promise<void> { return this.modify('LoadBalancer', id, settings); }
  deleteLoadBalancer(id: string): Promise<void> { return this.remove('LoadBalancer', id); }
  enumerateLoadBalancers(query?: HcnQueryDoc): Promise<Record<string, unknown>[]> { return this.enumerate('LoadBalancer', query); }
}
