/** The emulator's NetworkService: HCN networks, endpoints and namespaces on the service (./service/network.ts). */
import type { Duplex } from 'node:stream';
import type { NetworkService, PendingRemoval } from '../types.js';
import type { HostComputeNamespaceDoc, HostComputeEndpointDoc, HostComputeNetworkDoc, ModifyNamespaceSettingRequestDoc, HcnQueryDoc, EndpointStatsDoc, ModifyNetworkSettingRequestDoc } from '../hcn/schema/index.js';
import type { EmulatorClient } from './client.js';
import { dialInNamespace } from './dial.js';
import { j } from './json-param.js';

export class EmuNetwork implements NetworkService {
  constructor(private readonly c: EmulatorClient) {}
  createNetwork(id: string, settings: HostComputeNetworkDoc): Promise<HostComputeNetworkDoc> { return this.c.request('createNetwork', { id, settings: j(settings) }); }
  queryNetwork(id: string): Promise<HostComputeNetworkDoc> { return this.c.request('queryNetwork', { id }); }
  deleteNetwork(id: string): Promise<void> { return this.c.request('deleteNetwork', { id }); }
  enumerateNetworks(query?: HcnQueryDoc): Promise<HostComputeNetworkDoc[]> { return this.c.request('enumerateNetworks', { query: j(query) }); }
  modifyNetwork(id: string, request: ModifyNetworkSettingRequestDoc): Promise<void> { return this.c.request('modifyNetwork', { id, request: j(request) }); }
  createEndpoint(networkId: string, id: string, settings: HostComputeEndpointDoc): Promise<HostComputeEndpointDoc> {
    return this.c.request('createEndpoint', { networkId, id, settings: j(settings) });
  }
  queryEndpoint(id: string): Promise<HostComputeEndpointDoc> { return this.c.request('queryEndpoint', { id }); }
  deleteEndpoint(id: string): Promise<void> { return this.c.request('deleteEndpoint', { id }); }
  enumerateEndpoints(query?: HcnQueryDoc): Promise<HostComputeEndpointDoc[]> { return this.c.request('enumerateEndpoints', { query: j(query) }); }
  queryEndpointStats(id: string): Promise<EndpointStatsDoc> { return this.c.request('queryEndpointStats', { id }); }
  createNamespace(id: string, settings: HostComputeNamespaceDoc): Promise<HostComputeNamespaceDoc> { return this.c.request('createNamespace', { id, settings: j(settings) }); }
  queryNamespace(id: string): Promise<HostComputeNamespaceDoc> { return this.c.request('queryNamespace', { id }); }
  modifyNamespace(id: string, request: ModifyNamespaceSettingRequestDoc): Promise<void> { return this.c.request('modifyNamespace', { id, request: j(request) }); }
  deleteNamespace(id: string): Promise<void> { return this.c.request('deleteNamespace', { id }); }
  enumerateNamespaces(query?: HcnQueryDoc): Promise<HostComputeNamespaceDoc[]> { return this.c.request('enumerateNamespaces', { query: j(query) }); }
  settleRemovals(): Promise<PendingRemoval[]> { return this.c.request('settleRemovals'); }
  dialInNamespace(namespaceId: string, port: number): Promise<Duplex> {
    return dialInNamespace((id) => this.c.request<string | null>('namespaceNetns', { id }), namespaceId, port);
  }
}
