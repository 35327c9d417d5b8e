/** HCN networks (network.ts): create (with their Linux networking), query, enumerate, modify policies, delete. */
import { PlatformError, HRESULT } from '../../hresult.js';
import { HostComputeNetwork, ModifyNetworkSettingRequest, PolicyNetworkRequest, type NetworkPolicyDoc, type HostComputeNetworkDoc } from '../../hcn/schema/index.js';
import { SubnetOverlapError, parseCidr, ipToString, defaultSourceAddress } from './linuxnet.js';
import { parse, checkId, filterOf, eq, sameJson, BRIDGED_TYPES, firstSubnet, gatewayOf, settingsOf, macFor } from './network-wire.js';
import { NetworkBase } from './network-base.js';

export abstract class NetworkNetworks extends NetworkBase {
  /**
   * Networks being created, by lower-case id: HcnCreateNetwork is atomic, so a network is listed (and written to
   * the records) only once its Linux objects are built, and a creation of the same id or name meanwhile waits for
   * this one's outcome.
   */
  private readonly creating = new Map<string, { name?: string; done: Promise<unknown> }>();

  async createNetwork(idIn: unknown, text: unknown): Promise<HostComputeNetworkDoc> {
    const op = 'HcnCreateNetwork';
    const doc = parse(HostComputeNetwork, op, text);
    const id = checkId(op, idIn ?? doc.ID);
    const rec: HostComputeNetworkDoc = { ...doc, ID: id, SchemaVersion: doc.SchemaVersion ?? { Major: 2, Minor: 0 }, State: 1 };
    if (rec.Type === 'Overlay') {
      // HNS adds the host's provider address and a distributed-router MAC to overlay networks.
      const pol = rec.Policies ?? (rec.Policies = []);
      if (!pol.some((p) => p.Type === 'ProviderAddress')) {
        pol.push({ Type: 'ProviderAddress', Settings: { ProviderAddress: (await defaultSourceAddress()) ?? '127.0.0.1' } });
      }
      if (!pol.some((p) => p.Type === 'DrMacAddress')) pol.push({ Type: 'DrMacAddress', Settings: { Address: macFor(id, '02') } });
    }
    const same = () => [...this.creating].find(([k, c]) => eq(k, id) || (!!doc.Name && c.name === doc.Name))?.[1].done;
    for (let running = same(); running; running = same()) await running.catch(() => undefined);
    if (this.st.networks.some((n) => eq(n.ID, id) || (doc.Name && n.Name === doc.Name))) {
      throw new PlatformError(HRESULT.HCN_E_NETWORK_ALREADY_EXISTS, op, `a network with id ${id} or name ${doc.Name ?? ''} already exists`);
    }
    const key = id.toLowerCase();
    const done = this.addNetwork(op, rec);
    this.creating.set(key, { name: doc.Name, done });
    try { return await done; } finally { this.creating.delete(key); }
  }

  /** Builds the network's Linux objects (journalled meanwhile: Reaping.nets), then records it. */
  private async addNetwork(op: string, rec: HostComputeNetworkDoc): Promise<HostComputeNetworkDoc> {
    const key = rec.ID!.toLowerCase();
    let built = false;
    if (this.linux && rec.Type && BRIDGED_TYPES.has(rec.Type)) {
      // Journalled on disk before the first Linux object: a service killed before the network is recorded removes
      // what was made at its next start (a leftover bridge would also route the subnet, and the network created
      // again after the kill would be bookkeeping only: "packets do not flow").
      this.journal().nets!.push(key);
      await this.save();
      try {
        await this.buildNetwork(rec);
        built = true;
        await this.checkpoint('HcnCreateNetwork:built');
      } catch (e) {
        if (e instanceof SubnetOverlapError) {
          // Several emulated hosts share this Linux host: keep the HNS semantics, say that packets do not flow.
          this.log(`${op}: network ${rec.Name ?? rec.ID} is bookkeeping only, packets do not flow: ${e.message}`);
          const leftover = /dev (wincri-[0-9a-f]+)/.exec(e.message)?.[1];
          this.degraded.set(key, `packets do not flow: ${e.message}${leftover
            ? ` (${leftover} is another emulator's bridge: stop that one with "wincri shutdown --root <its root>", or choose another subnet)` : ''}`);
        } else {
          if (built) await this.linux.deleteNetwork(rec.ID!);
          this.unjournalNetwork(key);
          await this.save();
          throw this.linuxFail(op, e);
        }
      }
      this.unjournalNetwork(key);
    }
    if (built) (this.st.linuxBuilt ??= []).push(key);
    this.st.networks.push(rec);
    await this.save();
    return rec;
  }

  protected async buildNetwork(n: HostComputeNetworkDoc): Promise<void> {
    const l = this.linux!;
    const sub = firstSubnet(n);
    const c = sub?.IpAddressPrefix ? parseCidr(sub.IpAddressPrefix) : undefined;
    const subnet = c ? `${ipToString(c.base)}/${c.prefix}` : undefined;
    await l.createBridge({ id: n.ID!, gateway: gatewayOf(sub), prefix: c?.prefix ?? 32, subnet, masquerade: n.Type === 'NAT' || n.Type === 'ICS' });
    if (n.Type !== 'Overlay') return;
    try {
      const pol = n.Policies ?? [];
      const vsid = sub?.Policies?.find((p) => p.Type === 'VSID');
      const vni = (vsid ? settingsOf<{ IsolationId?: number }>(vsid).IsolationId : undefined) || 4096;
      const port = settingsOf<{ Port?: number }>(pol.find((p) => p.Type === 'VxlanPort') ?? {}).Port || 4789;
      const pa = settingsOf<{ ProviderAddress?: string }>(pol.find((p) => p.Type === 'ProviderAddress') ?? {}).ProviderAddress;
      const mac = settingsOf<{ Address?: string }>(pol.find((p) => p.Type === 'DrMacAddress') ?? {}).Address;
      await l.createVxlan({ id: n.ID!, vni, port, local: pa && pa !== '127.0.0.1' ? pa : undefined, mac });
      for (const p of pol) if (p.Type === 'RemoteSubnetRoute') await this.applyRemoteSubnet(n, p, 'Add');
    } catch (e) {
      await l.deleteNetwork(n.ID!);
      throw e;
    }
  }

  protected async applyRemoteSubnet(n: HostComputeNetworkDoc, p: NetworkPolicyDoc, how: 'Add' | 'Remove'): Promise<void> {
    if (!this.linux || n.Type !== 'Overlay' || p.Type !== 'RemoteSubnetRoute') return;
    if (!this.isBuilt(n.ID)) return;
    const s = settingsOf<{ DestinationPrefix?: string; ProviderAddress?: string; DistributedRouterMacAddress?: string }>(p);
    if (!s.DestinationPrefix || !s.ProviderAddress || !s.DistributedRouterMacAddress) return;
    const r = { prefix: s.DestinationPrefix, pa: s.ProviderAddress, mac: s.DistributedRouterMacAddress };
    if (how === 'Add') await this.linux.addRemoteSubnet(n.ID!, r); else await this.linux.removeRemoteSubnet(n.ID!, r);
  }
  async queryNetwork(id: string): Promise<HostComputeNetworkDoc> { return this.net('HcnQueryNetworkProperties', id); }
  async deleteNetwork(id: string): Promise<void> {
    const op = 'HcnDeleteNetwork';
    const n = this.net(op, id);
    if (this.st.endpoints.some((e) => eq(e.HostComputeNetwork, n.ID))) {
      throw new PlatformError(HRESULT.HCN_E_ENTITY_HAS_REFERENCES, op, `network ${id} still has endpoints`);
    }
    const key = n.ID!.toLowerCase();
    const built = this.isBuilt(key);
    this.st.networks = this.st.networks.filter((x) => x !== n);
    this.st.linuxBuilt = (this.st.linuxBuilt ?? []).filter((x) => x !== key);
    this.degraded.delete(key);
    if (built) {
      // Journalled with the record's removal, on disk before the Linux objects go: a service killed in between
      // removes them at its next start (load), never loads a network whose bridge is gone.
      this.journal().nets!.push(key);
      await this.save();
      await this.linux!.deleteNetwork(n.ID!);
      this.unjournalNetwork(key);
    }
    await this.save();
  }
  async enumerateNetworks(query: unknown): Promise<HostComputeNetworkDoc[]> {
    const f = filterOf('HcnEnumerateNetworks', query);
    return this.st.networks.filter((n) => (f.ID === undefined || eq(n.ID, f.ID)) && (f.Name === undefined || n.Name === f.Name));
  }

  /** HcnModifyNetwork with ResourceType Policy: Add appends (exact duplicates rejected), Remove drops equal policies. */
  async modifyNetwork(id: string, text: unknown): Promise<void> {
    const op = 'HcnModifyNetwork';
    const req = parse(ModifyNetworkSettingRequest, op, text, false);
    const n = this.net(op, id);
    if (req.ResourceType !== 'Policy') throw new PlatformError(HRESULT.HCN_E_REQUEST_UNSUPPORTED, op, `ResourceType ${req.ResourceType ?? '(none)'} is not supported`);
    const policies = parse(PolicyNetworkRequest, op, req.Settings ?? {}).Policies ?? [];
    const cur: NetworkPolicyDoc[] = n.Policies ?? [];
    if (req.RequestType === 'Add') {
      for (const p of policies) {
        if (cur.some((c) => c.Type === p.Type && sameJson(c.Settings, p.Settings))) throw new PlatformError(HRESULT.HCN_E_POLICY_ALREADY_EXISTS, op, `${p.Type} policy already exists`);
      }
      for (const p of policies) {
        try { await this.applyRemoteSubnet(n, p, 'Add'); } catch (e) { throw this.linuxFail(op, e); }
      }
      n.Policies = [...cur, ...policies];
    } else if (req.RequestType === 'Remove') {
      for (const p of policies) {
        if (!cur.some((c) => c.Type === p.Type && sameJson(c.Settings, p.Settings))) throw new PlatformError(HRESULT.HCN_E_POLICY_NOT_FOUND, op, `${p.Type} policy not found`);
      }
      // Linux objects go first, so a reader who sees the policy gone also finds the route and FDB entry gone.
      for (const p of policies) await this.applyRemoteSubnet(n, p, 'Remove').catch((e: Error) => this.log(`${op}: ${e.message}`));
      n.Policies = cur.filter((c) => !policies.some((p) => c.Type === p.Type && sameJson(c.Settings, p.Settings)));
    } else throw new PlatformError(HRESULT.HCN_E_REQUEST_UNSUPPORTED, op, `RequestType ${req.RequestType ?? '(none)'} is not supported for policies`);
    await this.save();
  }

}
