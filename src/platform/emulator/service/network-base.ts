/**
 * The network emulator's state and plumbing (network.ts): the persisted networks / endpoints / namespaces, the
 * Linux networking handle (./linuxnet.ts) when packets flow, service facts, load / save / teardown, and the lookups
 * that answer NotFound with the HCN error codes.
 */
import { existsSync } from 'node:fs';
import { PlatformError, HRESULT } from '../../hresult.js';
import type { HostComputeNetworkDoc, HostComputeEndpointDoc, HostComputeNamespaceDoc } from '../../hcn/schema/index.js';
import type { Persister } from './persist.js';
import { LinuxNet, probeLinuxNetworking, netnsName, bridgeName, vxlanName, tableName } from './linuxnet.js';
import { eq, BRIDGED_TYPES } from './network-wire.js';
import { VethReaper, type Reaping, type PendingVeth } from './network-reaper.js';
import type { PendingRemoval } from './network-removal-failures.js';
import type { FaultPoint } from './fault-names.js';

export interface NetState {
  networks: HostComputeNetworkDoc[]; endpoints: HostComputeEndpointDoc[]; namespaces: HostComputeNamespaceDoc[]; nextCompartment: number;
  /** Networks that have Linux networking (a network whose subnet is already routed here is bookkeeping only). */
  linuxBuilt?: string[];
  /** Linux objects of deleted or detached HNS objects whose removal has not finished (network-reaper.ts). */
  reaping?: Reaping;
}

export abstract class NetworkBase {
  protected st: NetState = { networks: [], endpoints: [], namespaces: [], nextCompartment: 2 };
  protected readonly linux?: LinuxNet;
  /** Finishes the removal of Linux objects of deleted and detached HNS objects (network-reaper.ts). */
  protected readonly reaper?: VethReaper;
  /** Why packets do not flow ('' when real Linux networking is built). */
  readonly packetsDoNotFlowReason: string;
  /** Why a network got no Linux networking although the service builds it (network ID → reason). */
  protected readonly degraded = new Map<string, string>();
  /** A named point inside an operation where a test can delay it (faults.ts: the service's fault injection). */
  checkpoint: (point: FaultPoint) => Promise<void> = () => Promise.resolve();

  constructor(protected readonly persist: Persister, protected readonly log: (m: string) => void = () => undefined, opts: { linux?: boolean; instance?: string; scratch?: string } = {}) {
    const probe = opts.linux === false ? { enabled: false, reason: 'disabled' } : probeLinuxNetworking();
    if (probe.enabled) {
      this.linux = new LinuxNet(log, opts.instance, opts.scratch);
      this.reaper = new VethReaper(this.linux, () => this.journal(), () => this.save(), log);
    }
    this.packetsDoNotFlowReason = probe.enabled ? '' : probe.reason;
    if (!probe.enabled) log(`network: HNS objects are bookkeeping only and packets do not flow (${probe.reason})`);
  }

  /** Service facts for HcsGetServiceProperties. */
  networkingFacts(): { LinuxNetworking: boolean; PacketsFlow: boolean; Reason?: string; Degraded?: { Network: string; Reason: string }[] } {
    if (!this.linux) return { LinuxNetworking: false, PacketsFlow: false, Reason: this.packetsDoNotFlowReason };
    // Bridged networks without Linux networking (their subnet was already routed on this host).
    const degraded = this.st.networks.filter((n) => n.Type && BRIDGED_TYPES.has(n.Type) && !this.isBuilt(n.ID)).map((n) => ({
      Network: n.Name ?? n.ID!, Reason: this.degraded.get(n.ID!.toLowerCase()) ?? 'its subnet was already routed on this host when it was created',
    }));
    return degraded.length ? { LinuxNetworking: true, PacketsFlow: true, Degraded: degraded } : { LinuxNetworking: true, PacketsFlow: true };
  }

  /** The Linux network namespace of an HNS namespace (when real networking is built). */
  linuxNetns(namespaceGuid: string): string | undefined {
    if (!this.linux) return undefined;
    const ns = this.st.namespaces.find((x) => eq(x.ID, namespaceGuid));
    return ns && ns.Type !== 'HostDefault' && ns.Type !== 'GuestDefault' ? netnsName(ns.ID!) : undefined;
  }

  /**
   * Service stop (the `stopService` request, like a node going down): removes the Linux networking of every
   * object and forgets the objects, as HNS forgets non-persistent networks across a reboot.
   */
  async teardownAll(): Promise<void> {
    await this.reaper?.finishAll();
    if (this.linux) {
      for (const id of this.journal().nets!) await this.linux.deleteNetwork(id);
      for (const e of this.st.endpoints) {
        await this.linux.detachEndpoint(e.ID!, e.HostComputeNamespace ? netnsName(e.HostComputeNamespace) : undefined);
      }
      // Each namespace on its own: one the kernel refuses to release (EBUSY) is logged and the rest still go, as
      // the `ip` path (which reports nothing) always did.
      for (const ns of this.st.namespaces) {
        if (ns.Type === 'HostDefault' || ns.Type === 'GuestDefault') continue;
        await this.linux.deleteNetns(netnsName(ns.ID!)).catch((e: Error) => this.log(`service stop: deleting namespace ${ns.ID}: ${e.message}`));
      }
      for (const n of this.st.networks) if (this.isBuilt(n.ID)) await this.linux.deleteNetwork(n.ID!);
    }
    this.st = { networks: [], endpoints: [], namespaces: [], nextCompartment: 2, linuxBuilt: [] };
    await this.save();
  }

  protected linuxFail(op: string, e: unknown): PlatformError {
    this.log(`${op}: Linux networking failed: ${(e as Error).message}`);
    return new PlatformError(HRESULT.E_FAIL, op, `building Linux networking failed: ${(e as Error).message}`);
  }

  async load(): Promise<void> {
    const s = await this.persist.load<NetState>('network');
    if (s) this.st = s;
    if (!this.linux) return;
    // Removals a killed service had not finished.
    await this.reaper!.finishAll();
    await this.finishNetworks();
    // A namespace recorded by a service killed before it made (or while it removed) the netns: make it again.
    for (const ns of this.st.namespaces) {
      if (ns.Type === 'HostDefault' || ns.Type === 'GuestDefault' || existsSync(`/run/netns/${netnsName(ns.ID!)}`)) continue;
      this.log(`network: namespace ${ns.ID} had no network namespace (service killed while making it); making it again`);
      await this.linux.createNetns(netnsName(ns.ID!)).catch((e) => this.log(`network: re-creating netns of ${ns.ID} failed: ${(e as Error).message}`));
    }
  }
  /**
   * Networks whose creation or deletion a killed service had not finished (journalled, Reaping.nets): what of
   * their Linux objects was made is removed. A journalled network is never recorded (HcnCreateNetwork records it
   * with the journal entry's removal, HcnDeleteNetwork journals it with the record's removal): were one recorded
   * and built all the same, it is left as it is.
   */
  private async finishNetworks(): Promise<void> {
    const j = this.journal();
    if (j.nets!.length === 0) return;
    for (const id of j.nets!) {
      if (this.isBuilt(id)) continue;
      this.log(`network: removing the Linux objects of network ${id} (service killed while creating or deleting it)`);
      await this.linux!.deleteNetwork(id);
    }
    j.nets = [];
    await this.save();
  }
  /** Drops one journal entry of network `id` (Reaping.nets). */
  protected unjournalNetwork(id: string): void {
    const j = this.journal();
    const i = j.nets!.indexOf(id.toLowerCase());
    if (i >= 0) j.nets!.splice(i, 1);
  }
  /** Service stop: removals still pending (veths in their grace period) are finished. */
  async settle(): Promise<void> { await this.reaper?.finishAll(); }
  /**
   * The `settleRemovals` request (leak audits): waits for the background confirmations of namespace deletions
   * running when called, then answers the Linux names still journalled for removal with their state (in their
   * grace period or being confirmed: owned by this service; failed: kept for a retry, which an audit reports).
   */
  async settleRemovals(): Promise<PendingRemoval[]> {
    if (!this.reaper) return [];
    await this.reaper.settled();
    // A network being created or deleted owns its Linux objects until it is recorded or they are gone.
    const nets = [...new Set(this.journal().nets!.flatMap((id) => [bridgeName(id), vxlanName(id), tableName(id)]))]
      .map((name): PendingRemoval => ({ name, state: 'confirming', failures: 0 }));
    return [...this.reaper.pending(), ...nets];
  }

  /** The journal entry of an attached endpoint's veth (its namespace, and its address on its network's bridge). */
  protected pendingVeth(e: HostComputeEndpointDoc, netns: string): PendingVeth {
    const ip = e.IpConfigurations?.find((c) => c.IpAddress && !c.IpAddress.includes(':'))?.IpAddress;
    return { ep: e.ID!, netns, ...(e.HostComputeNetwork ? { bridge: bridgeName(e.HostComputeNetwork) } : {}), ...(ip ? { ip } : {}) };
  }

  protected journal(): Reaping {
    const j = this.st.reaping ??= { veths: [], netns: [], rules: [] };
    j.veths ??= []; j.netns ??= []; j.rules ??= []; j.nets ??= [];
    return j;
  }
  protected save(): Promise<void> { return this.persist.save('network', () => this.st); }

  protected net(op: string, id: string): HostComputeNetworkDoc {
    const n = this.st.networks.find((x) => eq(x.ID, id));
    if (!n) throw new PlatformError(HRESULT.HCN_E_NETWORK_NOT_FOUND, op, `network ${id} not found`);
    return n;
  }
  protected ep(op: string, id: string): HostComputeEndpointDoc {
    const e = this.st.endpoints.find((x) => eq(x.ID, id));
    if (!e) throw new PlatformError(HRESULT.HCN_E_ENDPOINT_NOT_FOUND, op, `endpoint ${id} not found`);
    return e;
  }
  protected ns(op: string, id: string): HostComputeNamespaceDoc {
    const n = this.st.namespaces.find((x) => eq(x.ID, id));
    if (!n) throw new PlatformError(HRESULT.ERROR_NOT_FOUND, op, `namespace ${id} not found`);
    return n;
  }


  /** The namespace an endpoint is attached to (undefined: none, or no such endpoint). */
  namespaceOfEndpoint(epId: string): string | undefined {
    return this.st.endpoints.find((x) => eq(x.ID, epId))?.HostComputeNamespace;
  }
  /** Endpoints detached from a namespace whose veth is still pending removal (network-reaper.ts). */
  pendingVethsOf(nsId: string): string[] {
    const name = netnsName(nsId);
    return (this.st.reaping?.veths ?? []).filter((v) => v.netns === name).map((v) => v.ep);
  }
  /** The endpoints attached to a namespace. */
  endpointsInNamespace(nsId: string): string[] {
    return this.st.endpoints.filter((e) => e.HostComputeNamespace && eq(e.HostComputeNamespace, nsId)).map((e) => e.ID!);
  }

  protected isBuilt(netId: string | undefined): boolean {
    return !!this.linux && !!netId && (this.st.linuxBuilt ?? []).includes(netId.toLowerCase());
  }

}
