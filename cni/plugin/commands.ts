/** The CNI commands: ADD, DEL, CHECK, STATUS, GC. */
import type { NetworkService } from '../../src/platform/types.js';
import type { HostComputeEndpointDoc, HostComputeNetworkDoc } from '../../src/platform/hcn/schema/index.js';
import { buildNamespaceEndpointRequest, networkGateway, networkSubnet } from '../../src/platform/hcn/document/index.js';
import { isPlatformError } from '../../src/platform/hresult.js';
import { CniError, CNI_ERR } from './errors.js';
import type { NetConf } from './config.js';
import { ipamDir } from './config-ipam.js';
import { HostLocalAllocator } from './ipam.js';
import { createNetworkIfMissing, findNetwork, findEndpoint, endpointsOf, sameId, GUID_RE, toCniError } from './hns.js';
import { ipToInt, parseCidr, intToIp } from './ip.js';
import { compareVersions, decodeResult, type Attachment } from './version.js';
import { podAddressFromAnnotation } from './k8s.js';
import { endpointDns, endpointPolicies, endpointDocument } from './endpoint-doc.js';

export interface CniEnv {
  command: string;
  containerId: string;
  netns: string;
  ifname: string;
  path: string;
  args: Map<string, string>;
}

/** CNI_ARGS "K=V;K=V" (IgnoreUnknown and K8S_* as containerd passes them). */
export function parseCniArgs(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of text.split(';')) {
    if (!part) continue;
    const i = part.indexOf('=');
    if (i <= 0) throw new CniError(CNI_ERR.InvalidEnvironment, `CNI_ARGS: "${part}" is not KEY=VALUE`);
    m.set(part.slice(0, i), part.slice(i + 1));
  }
  return m;
}

/** Endpoint naming shared with win-bridge / windows-container-networking: <containerId>_<network>. */
export const endpointName = (containerId: string, conf: NetConf): string => `${containerId}_${conf.networkName}`;

const allocator = (conf: NetConf) => new HostLocalAllocator(ipamDir(conf), conf.ipam.ranges, conf.ipam.exclude);
const macToCni = (mac?: string) => (mac ? mac.replace(/-/g, ':').toLowerCase() : undefined);
const epIp = (ep: HostComputeEndpointDoc) => ep.IpConfigurations?.find((c) => c.IpAddress && !c.IpAddress.includes(':'));

function requireNetns(env: CniEnv): string {
  if (!GUID_RE.test(env.netns)) {
    throw new CniError(CNI_ERR.InvalidEnvironment, `CNI_NETNS "${env.netns}" is not an HNS namespace GUID`);
  }
  return env.netns.replace(/[{}]/g, '');
}

async function requireNamespace(net: NetworkService, id: string): Promise<void> {
  try {
    await net.queryNamespace(id);
  } catch (e) {
    if (isPlatformError(e, 'ERROR_NOT_FOUND')) throw new CniError(CNI_ERR.UnknownContainer, `HNS namespace ${id} does not exist`);
    throw toCniError(e, 'query namespace');
  }
}

/** The version-neutral result of an attached endpoint. */
function attachment(conf: NetConf, env: CniEnv, network: HostComputeNetworkDoc, ep: HostComputeEndpointDoc, netns: string): Attachment {
  const ipc = epIp(ep);
  if (!ipc?.IpAddress) throw new CniError(CNI_ERR.HnsFailure, `endpoint ${ep.Name ?? ep.ID ?? ''} has no IPv4 address`);
  const subnet = networkSubnet(network);
  const prefix = ipc.PrefixLength ?? (subnet ? parseCidr(subnet, 'network subnet').prefix : conf.subnet?.prefix ?? 32);
  const gateway = ep.Routes?.find((r) => r.DestinationPrefix === '0.0.0.0/0')?.NextHop ?? networkGateway(network);
  const dns = endpointDns(conf, env);
  const routes: Attachment['routes'] = [];
  if (gateway) routes.push({ dst: '0.0.0.0/0', gw: gateway });
  for (const r of ep.Routes ?? []) if (r.DestinationPrefix && r.DestinationPrefix !== '0.0.0.0/0') routes.push({ dst: r.DestinationPrefix, gw: r.NextHop });
  return {
    interfaces: [{ name: env.ifname, mac: macToCni(ep.MacAddress), sandbox: netns }],
    ips: [{ address: `${ipc.IpAddress}/${prefix}`, gateway, interface: 0 }],
    routes,
    dns: { nameservers: dns.ServerList, domain: dns.Domain, search: dns.Search, options: dns.Options },
  };
}

async function deleteEndpointQuietly(net: NetworkService, ep: HostComputeEndpointDoc): Promise<void> {
  if (ep.HostComputeNamespace) {
    await net.modifyNamespace(ep.HostComputeNamespace, buildNamespaceEndpointRequest(ep.ID!, 'Remove')).catch((e) => {
      if (!isPlatformError(e, 'ERROR_NOT_FOUND', 'HCN_E_ENDPOINT_NOT_FOUND', 'HCN_E_ENDPOINT_NOT_ATTACHED')) throw e;
    });
  }
  await net.deleteEndpoint(ep.ID!).catch((e) => {
    if (!isPlatformError(e, 'HCN_E_ENDPOINT_NOT_FOUND', 'ERROR_NOT_FOUND')) throw e;
  });
}

/** Attach, tolerating "already part of a network namespace" when it is this namespace. */
async function attach(net: NetworkService, ep: HostComputeEndpointDoc, netns: string): Promise<void> {
  try {
    await net.modifyNamespace(netns, buildNamespaceEndpointRequest(ep.ID!, 'Add'));
  } catch (e) {
    if (isPlatformError(e, 'HCN_E_ENDPOINT_NAMESPACE_ALREADY_EXISTS', 'HCN_E_ENDPOINT_ALREADY_ATTACHED')) {
      const now = await net.queryEndpoint(ep.ID!);
      if (sameId(now.HostComputeNamespace, netns)) return;
    }
    if (isPlatformError(e, 'ERROR_NOT_FOUND')) throw new CniError(CNI_ERR.UnknownContainer, `HNS namespace ${netns} does not exist`);
    throw toCniError(e, 'attach endpoint to namespace');
  }
}

export async function cmdAdd(conf: NetConf, env: CniEnv, net: NetworkService): Promise<Attachment> {
  const netns = requireNetns(env);
  const name = endpointName(env.containerId, conf);
  // The namespace check and the network and endpoint lookups only read HNS: they are asked at once, one round
  // trip's wait instead of three on a busy host. Failures are reported in the old order (namespace, network,
  // endpoint), and a missing network is still created only once the namespace is known to exist.
  const knownNetwork = findNetwork(net, conf.networkName);
  const endpointLookup = findEndpoint(net, name);
  knownNetwork.catch(() => undefined);
  endpointLookup.catch(() => undefined);
  await requireNamespace(net, netns);
  let network: HostComputeNetworkDoc;
  try { network = await createNetworkIfMissing(net, conf, await knownNetwork); } catch (e) { throw toCniError(e, `network ${conf.networkName}`); }

  // Reuse: same name on the same network → (re)attach and answer; elsewhere (stale network, other namespace) → replace.
  const existing = await endpointLookup.catch((e) => { throw toCniError(e, 'find endpoint'); });
  if (existing) {
    if (sameId(existing.HostComputeNetwork, network.ID) && (!existing.HostComputeNamespace || sameId(existing.HostComputeNamespace, netns)) && epIp(existing)) {
      if (!existing.HostComputeNamespace) await attach(net, existing, netns);
      return attachment(conf, env, network, existing, netns);
    }
    await deleteEndpointQuietly(net, existing).catch((e) => { throw toCniError(e, 'replace stale endpoint'); });
  }

  const policies = endpointPolicies(conf, network);
  let ip: string | undefined;
  let prefix: number | undefined;
  let gateway = conf.gateway ?? networkGateway(network);
  let release = async (): Promise<void> => undefined;
  if (conf.ipam.kind === 'host-local') {
    const inUse = new Set<number>();
    for (const e of await endpointsOf(net, network.ID!).catch(() => [])) {
      const a = epIp(e)?.IpAddress;
      if (a && e.Name !== name) inUse.add(ipToInt(a) ?? 0);
    }
    const alloc = await allocator(conf).allocate(env.containerId, env.ifname, inUse);
    ip = alloc.ip;
    prefix = alloc.range.subnet.prefix;
    gateway = intToIp(alloc.range.gateway);
    release = async () => { await allocator(conf).release(env.containerId, env.ifname); };
  } else if (conf.ipam.kind === 'eks') {
    const ns = env.args.get('K8S_POD_NAMESPACE');
    const pod = env.args.get('K8S_POD_NAME');
    if (!ns || !pod) throw new CniError(CNI_ERR.InvalidEnvironment, 'eks mode needs K8S_POD_NAMESPACE and K8S_POD_NAME in CNI_ARGS');
    const a = await podAddressFromAnnotation(conf.eks!, ns, pod);
    ip = a.ip;
    prefix = a.prefix;
  }

  const doc = endpointDocument(conf, env, { name, networkId: network.ID!, ip, prefix, gateway }, policies);
  let ep: HostComputeEndpointDoc;
  try {
    ep = await net.createEndpoint(network.ID!, '', doc);
  } catch (e) {
    await release().catch(() => undefined);
    throw toCniError(e, 'create endpoint');
  }
  try {
    await attach(net, ep, netns);
    return attachment(conf, env, network, ep, netns);
  } catch (e) {
    await deleteEndpointQuietly(net, ep).catch(() => undefined);
    await release().catch(() => undefined);
    throw toCniError(e, 'attach endpoint');
  }
}

/**
 * DEL: best effort and idempotent. The endpoint is found by name (CNI_NETNS may be empty or gone); a missing
 * namespace, endpoint or network is success. The address is released after the endpoint is gone.
 */
export async function cmdDel(conf: NetConf, env: CniEnv, net: NetworkService): Promise<void> {
  const ep = await findEndpoint(net, endpointName(env.containerId, conf)).catch((e) => { throw toCniError(e, 'find endpoint'); });
  if (ep) await deleteEndpointQuietly(net, ep).catch((e) => { throw toCniError(e, 'delete endpoint'); });
  if (conf.ipam.kind === 'host-local') {
    await allocator(conf).release(env.containerId, env.ifname).catch((e) => { throw toCniError(e, 'ipam release'); });
  }
}

export async function cmdCheck(conf: NetConf, env: CniEnv, net: NetworkService): Promise<void> {
  if (compareVersions(conf.cniVersion, '0.4.0') < 0) {
    throw new CniError(CNI_ERR.IncompatibleVersion, `config version ${conf.cniVersion} does not allow CHECK`);
  }
  if (conf.prevResult === undefined) throw new CniError(CNI_ERR.InvalidNetworkConfig, 'CHECK needs prevResult');
  const prev = decodeResult(conf.prevResult);
  const netns = requireNetns(env);
  const fail = (m: string) => new CniError(CNI_ERR.CheckFailed, m);
  await requireNamespace(net, netns);
  const network = await findNetwork(net, conf.networkName).catch((e) => { throw toCniError(e, 'find network'); });
  if (!network) throw fail(`HNS network "${conf.networkName}" does not exist`);
  const name = endpointName(env.containerId, conf);
  const ep = await findEndpoint(net, name).catch((e) => { throw toCniError(e, 'find endpoint'); });
  if (!ep) throw fail(`endpoint ${name} does not exist`);
  if (!sameId(ep.HostComputeNetwork, network.ID)) throw fail(`endpoint ${name} is not on network ${conf.networkName}`);
  if (!sameId(ep.HostComputeNamespace, netns)) throw fail(`endpoint ${name} is not attached to namespace ${netns}`);
  const ns = await net.queryNamespace(netns).catch((e) => { throw toCniError(e, 'query namespace'); });
  if (!(ns.Resources ?? []).some((r) => r.Type === 'Endpoint' && sameId(r.Data?.ID, ep.ID))) {
    throw fail(`namespace ${netns} does not list endpoint ${name}`);
  }
  const ifIndex = prev.interfaces.findIndex((i) => i.name === env.ifname);
  const prevIps = prev.ips.filter((i) => i.interface === undefined || i.interface === ifIndex).map((i) => i.address.split('/')[0]);
  const have = epIp(ep)?.IpAddress;
  if (!prevIps.length) throw fail(`prevResult has no address for ${env.ifname}`);
  if (!have || !prevIps.includes(have)) throw fail(`endpoint ${name} has address ${have ?? '(none)'}, prevResult says ${prevIps.join(', ')}`);
  if (conf.ipam.kind === 'host-local') {
    const held = (await allocator(conf).list()).filter((c) => c.containerId === env.containerId && c.ifname === env.ifname).map((c) => c.ip);
    if (!held.includes(have)) throw fail(`ipam has no record of ${have} for ${env.containerId}/${env.ifname}`);
  }
  const ports = (ep.Policies ?? []).filter((p) => p.Type === 'PortMapping').map((p) => p.Settings as { ExternalPort?: number; InternalPort?: number });
  for (const m of conf.portMappings) {
    if (!ports.some((p) => p.ExternalPort === m.hostPort && p.InternalPort === m.containerPort)) {
      throw fail(`endpoint ${name} lacks the port mapping ${m.hostPort}->${m.containerPort}`);
    }
  }
}

/** STATUS (1.1.0): can an ADD succeed now? HNS reachable, host-local range not exhausted. */
export async function cmdStatus(conf: NetConf, net: NetworkService): Promise<void> {
  try {
    await net.enumerateNetworks();
  } catch (e) {
    throw new CniError(CNI_ERR.PluginNotAvailable, `HNS is not available: ${(e as Error).message}`);
  }
  if (conf.ipam.kind === 'host-local') {
    const free = await allocator(conf).freeCount();
    if (free === 0) throw new CniError(CNI_ERR.PluginNotAvailable, `ipam: no free address left for network ${conf.name}`);
  }
}

/**
 * GC (1.1.0): removes endpoints of this network named by our convention whose container is not in
 * cni.dev/valid-attachments, and address claims not held by a valid attachment.
 */
export async function cmdGc(conf: NetConf, net: NetworkService): Promise<{ endpoints: string[]; addresses: string[] }> {
  if (!conf.validAttachments) throw new CniError(CNI_ERR.InvalidNetworkConfig, 'GC needs cni.dev/valid-attachments');
  const valid = conf.validAttachments;
  const cids = new Set(valid.map((a) => a.containerID));
  const removed: string[] = [];
  const network = await findNetwork(net, conf.networkName).catch((e) => { throw toCniError(e, 'find network'); });
  if (network) {
    const suffix = `_${conf.networkName}`;
    const eps = await endpointsOf(net, network.ID!).catch((e) => { throw toCniError(e, 'list endpoints'); });
    for (const ep of eps) {
      if (!ep.Name || !ep.Name.endsWith(suffix) || (ep.Flags ?? 0) & 1) continue;
      const cid = ep.Name.slice(0, -suffix.length);
      if (!cid || cids.has(cid)) continue;
      await deleteEndpointQuietly(net, ep).catch((e) => { throw toCniError(e, `gc endpoint ${ep.Name}`); });
      removed.push(ep.Name);
    }
  }
  let addresses: string[] = [];
  if (conf.ipam.kind === 'host-local') {
    addresses = await allocator(conf).gc((cid, ifname) => valid.some((a) => a.containerID === cid && a.ifname === ifname));
  }
  return { endpoints: removed, addresses };
}
