/**
 * HCN bookkeeping: networks, endpoints and namespaces with the semantics of computenetwork.dll
 * (reference/hns-cni.md): documents validated with the HCN schemas (HCN_E_INVALID_JSON), `ID` on the wire,
 * query Filter as a JSON string (keys ID, Name, VirtualNetwork / HostComputeNetwork, IsDefault), namespace
 * membership changed only through modifyNamespace, non-idempotent attach. Overlay networks get ProviderAddress
 * and DrMacAddress policies as HNS adds them.
 *
 * As root with `ip` and `nft`, every object is also built as real Linux networking (./linuxnet.ts), so packets
 * flow between pods, to the host and across VXLAN; otherwise the bookkeeping is the same and the service says
 * once (log, service properties) that packets do not flow.
 *
 * Files: network-wire.ts (HCN wire conventions), network-base.ts (state, facts, lookups), network-networks.ts,
 * network-endpoints.ts, this one (namespaces and their membership).
 */
import { PlatformError, HRESULT } from '../../hresult.js';
import { HostComputeNamespace, ModifyNamespaceSettingRequest, type HostComputeNamespaceDoc, type ModifyNamespaceSettingRequestDoc, type NamespaceEndpointRequestDoc, type NamespaceContainerRequestDoc } from '../../hcn/schema/index.js';
import { netnsName, bridgeName } from './linuxnet.js';
import { parse, checkId, filterOf, eq } from './network-wire.js';
import { NetworkEndpoints } from './network-endpoints.js';

export class NetworkEmulator extends NetworkEndpoints {
  async createNamespace(idIn: unknown, text: unknown): Promise<HostComputeNamespaceDoc> {
    const op = 'HcnCreateNamespace';
    const doc = parse(HostComputeNamespace, op, text) as HostComputeNamespaceDoc;
    const id = checkId(op, idIn ?? doc.ID);
    if (this.st.namespaces.some((n) => eq(n.ID, id))) throw new PlatformError(HRESULT.ERROR_OBJECT_ALREADY_EXISTS, op, `namespace ${id} exists`);
    const type = doc.Type ?? 'Host';
    if (type === 'HostDefault' && this.st.namespaces.some((n) => n.Type === 'HostDefault')) {
      throw new PlatformError(HRESULT.HCN_E_DEFAULTNAMESPACE_EXISTS, op, 'a HostDefault namespace exists');
    }
    if ((doc.Resources ?? []).length > 0) throw new PlatformError(HRESULT.HCN_E_INVALID_JSON, op, 'Resources are added with HcnModifyNamespace');
    const rec: HostComputeNamespaceDoc = {
      ...doc, ID: id, Type: type, NamespaceId: type === 'HostDefault' ? 1 : this.st.nextCompartment++,
      SchemaVersion: doc.SchemaVersion && doc.SchemaVersion.Major ? doc.SchemaVersion : { Major: 2, Minor: 0 }, Resources: [], State: 1,
    };
    this.st.namespaces.push(rec);
    // Recorded before the netns exists: a service killed in between leaves a record load() completes, never a
    // network namespace that nothing accounts for.
    await this.save();
    if (this.linux && type !== 'HostDefault' && type !== 'GuestDefault') {
      try { await this.linux.createNetns(netnsName(id)); } catch (e) {
        this.st.namespaces = this.st.namespaces.filter((x) => x !== rec);
        await this.save();
        throw this.linuxFail(op, e);
      }
    }
    return rec;
  }
  async queryNamespace(id: string): Promise<HostComputeNamespaceDoc> { return this.ns('HcnQueryNamespaceProperties', id); }
  async deleteNamespace(id: string): Promise<void> {
    const ns = this.ns('HcnDeleteNamespace', id);
    const members = this.st.endpoints.filter((e) => e.HostComputeNamespace && eq(e.HostComputeNamespace, ns.ID));
    for (const e of members) delete e.HostComputeNamespace;
    this.st.namespaces = this.st.namespaces.filter((x) => x !== ns);
    if (this.reaper && ns.Type !== 'HostDefault' && ns.Type !== 'GuestDefault') {
      // Journalled with the records' change (network-reaper.ts); the namespace's deletion removes its veths.
      const name = netnsName(ns.ID!);
      for (const e of members) this.reaper.detached(this.pendingVeth(e, name));
      const j = this.journal();
      if (!j.netns.includes(name)) j.netns.push(name);
      try {
        await this.reaper.deleteNamespace(name);
      } catch (err) {
        // The namespace is gone from HNS; what of it is left on Linux stays journalled, finished at the next start.
        await this.save();
        throw this.linuxFail('HcnDeleteNamespace', err);
      }
    }
    await this.save();
  }
  async enumerateNamespaces(query: unknown): Promise<HostComputeNamespaceDoc[]> {
    const f = filterOf('HcnEnumerateNamespaces', query);
    return this.st.namespaces.filter((n) => (f.ID === undefined || eq(n.ID, f.ID))
      && (f.IsDefault === undefined || (n.Type === 'HostDefault') === Boolean(f.IsDefault)));
  }

  async modifyNamespace(id: string, text: unknown): Promise<void> {
    const op = 'HcnModifyNamespace';
    const req = parse(ModifyNamespaceSettingRequest, op, text, false) as ModifyNamespaceSettingRequestDoc;
    const ns = this.ns(op, id);
    const resources = ns.Resources ?? (ns.Resources = []);
    if (req.ResourceType === 'Endpoint') {
      const epId = (req.Settings as NamespaceEndpointRequestDoc | undefined)?.EndpointId;
      if (!epId) throw new PlatformError(HRESULT.HCN_E_INVALID_JSON, op, 'Settings.EndpointId is required');
      const e = this.ep(op, epId);
      if (req.RequestType === 'Add') {
        if (e.HostComputeNamespace) throw new PlatformError(HRESULT.HCN_E_ENDPOINT_NAMESPACE_ALREADY_EXISTS, op, `endpoint ${epId} is already part of a network namespace`);
        const index = resources.filter((r) => r.Type === 'Endpoint').length;
        resources.push({ Type: 'Endpoint', Data: { ID: e.ID! } });
        e.HostComputeNamespace = ns.ID!;
        const net = this.st.networks.find((n) => eq(n.ID, e.HostComputeNetwork));
        if (this.linux && ns.Type !== 'HostDefault' && ns.Type !== 'GuestDefault' && this.isBuilt(net?.ID)) {
          const ic = e.IpConfigurations?.find((c) => c.IpAddress && !c.IpAddress.includes(':'));
          try {
            await this.reaper!.beforeAttach({ ep: e.ID!, netns: netnsName(ns.ID!), bridge: bridgeName(net!.ID!), ip: ic?.IpAddress });
            await this.linux.attachEndpoint({
              id: e.ID!, netns: netnsName(ns.ID!), ifName: `eth${index}`, bridge: bridgeName(net!.ID!), mac: e.MacAddress,
              ip: ic?.IpAddress, prefix: ic?.PrefixLength,
              routes: (e.Routes ?? []).filter((r) => r.DestinationPrefix && !r.DestinationPrefix.includes(':')).map((r) => ({ dst: r.DestinationPrefix!, via: r.NextHop || undefined })),
              dns: e.Dns ? { servers: e.Dns.ServerList ?? [], search: e.Dns.Search ?? (e.Dns.Domain ? [e.Dns.Domain] : []), options: e.Dns.Options ?? [] } : undefined,
            });
          } catch (err) {
            ns.Resources = (ns.Resources ?? []).filter((r) => !(r.Type === 'Endpoint' && eq(r.Data?.ID, e.ID)));
            delete e.HostComputeNamespace;
            // Another call's save may have written the half-done attach meanwhile: the undone state goes to disk too.
            await this.save();
            throw this.linuxFail(op, err);
          }
        }
      } else if (req.RequestType === 'Remove') {
        if (!e.HostComputeNamespace || !eq(e.HostComputeNamespace, ns.ID)) throw new PlatformError(HRESULT.HCN_E_ENDPOINT_NOT_ATTACHED, op, `endpoint ${epId} is not in namespace ${id}`);
        ns.Resources = resources.filter((r) => !(r.Type === 'Endpoint' && eq(r.Data?.ID, e.ID)));
        delete e.HostComputeNamespace;
        if (this.reaper) {
          this.linux!.dropResolvConf(netnsName(ns.ID!));
          this.reaper.detached(this.pendingVeth(e, netnsName(ns.ID!)));
        }
      } else throw new PlatformError(HRESULT.HCN_E_REQUEST_UNSUPPORTED, op, `RequestType ${req.RequestType ?? '(none)'} is not supported for endpoints`);
    } else if (req.ResourceType === 'Container') {
      const cid = (req.Settings as NamespaceContainerRequestDoc | undefined)?.ContainerId;
      if (!cid) throw new PlatformError(HRESULT.HCN_E_INVALID_JSON, op, 'Settings.ContainerId is required');
      const has = resources.some((r) => r.Type === 'Container' && r.Data?.ID === cid);
      if (req.RequestType === 'Add') { if (!has) resources.push({ Type: 'Container', Data: { ID: cid } }); }
      else if (req.RequestType === 'Remove') {
        if (!has) throw new PlatformError(HRESULT.ERROR_NOT_FOUND, op, `container ${cid} is not in namespace ${id}`);
        ns.Resources = resources.filter((r) => !(r.Type === 'Container' && r.Data?.ID === cid));
      } else throw new PlatformError(HRESULT.HCN_E_REQUEST_UNSUPPORTED, op, `RequestType ${req.RequestType ?? '(none)'} is not supported for containers`);
    } else {
      throw new PlatformError(HRESULT.HCN_E_INVALID_JSON, op, 'ResourceType is required');
    }
    await this.save();
  }
}
