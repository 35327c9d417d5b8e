/** HNS access for the plugin: networks by name (created when missing), endpoints by name, error mapping. */
import type { NetworkService } from '../../src/platform/types.js';
import type { HostComputeNetworkDoc, HostComputeEndpointDoc, NetworkTypeDoc } from '../../src/platform/hcn/schema/index.js';
import {
  buildNatNetwork, buildOverlayNetwork, buildL2BridgeNetwork, buildFilterQuery,
} from '../../src/platform/hcn/document/index.js';
import { PlatformError, isPlatformError } from '../../src/platform/hresult.js';
import { CniError, CNI_ERR } from './errors.js';
import type { Mode, NetConf } from './config.js';

export const HNS_TYPE: Record<Mode, NetworkTypeDoc> = { nat: 'NAT', overlay: 'Overlay', l2bridge: 'L2Bridge' };

export const sameId = (a?: string, b?: string): boolean =>
  !!a && !!b && a.replace(/[{}]/g, '').toLowerCase() === b.replace(/[{}]/g, '').toLowerCase();

export const GUID_RE = /^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$/;

/** HNS leaves Type out of NAT networks (enum value 0); hcsshim pre-fills "NAT" before parsing. */
export function networkType(n: HostComputeNetworkDoc): NetworkTypeDoc {
  return n.Type ?? 'NAT';
}

export async function findNetwork(net: NetworkService, name: string): Promise<HostComputeNetworkDoc | undefined> {
  const found = await net.enumerateNetworks(buildFilterQuery({ Name: name }));
  return found.find((n) => n.Name === name);
}

export async function findEndpoint(net: NetworkService, name: string): Promise<HostComputeEndpointDoc | undefined> {
  const found = await net.enumerateEndpoints(buildFilterQuery({ Name: name }));
  return found.find((e) => e.Name === name);
}

export async function endpointsOf(net: NetworkService, networkId: string): Promise<HostComputeEndpointDoc[]> {
  return net.enumerateEndpoints(buildFilterQuery({ VirtualNetwork: networkId }));
}

/** The HNS network document the configuration asks for (when it has to be created). */
export function networkDocument(conf: NetConf): HostComputeNetworkDoc {
  if (!conf.subnet || !conf.gateway) {
    throw new CniError(CNI_ERR.InvalidNetworkConfig,
      `HNS network "${conf.networkName}" does not exist and the configuration has no subnet to create it from`);
  }
  const base = { name: conf.networkName, subnet: conf.subnet.text, gateway: conf.gateway, policies: conf.networkPolicies };
  switch (conf.mode) {
    case 'nat': return buildNatNetwork(base);
    case 'overlay': return buildOverlayNetwork({
      ...base, vni: conf.vni, vxlanPort: conf.vxlanPort, adapterName: conf.networkAdapterName, providerAddress: conf.providerAddress,
    });
    case 'l2bridge': return buildL2BridgeNetwork({ ...base, adapterName: conf.networkAdapterName });
  }
}

/**
 * The network named by the configuration: `found` (the caller's lookup by name) when there is one, else created.
 * Concurrent ADDs race on creation: on NETWORK_ALREADY_EXISTS / OBJECT_ALREADY_EXISTS the winner's network is
 * fetched again by name. Either way its type must be the one the mode needs.
 */
export async function createNetworkIfMissing(net: NetworkService, conf: NetConf, found: HostComputeNetworkDoc | undefined): Promise<HostComputeNetworkDoc> {
  const n = found ?? await createNetwork(net, conf);
  const want = HNS_TYPE[conf.mode];
  if (networkType(n) !== want) {
    throw new CniError(CNI_ERR.InvalidNetworkConfig,
      `HNS network "${conf.networkName}" has type ${networkType(n)}, the ${conf.mode} mode needs ${want}`);
  }
  return n;
}

/** Creates the configured network; one created meanwhile by a concurrent ADD is taken instead. */
async function createNetwork(net: NetworkService, conf: NetConf): Promise<HostComputeNetworkDoc> {
  const doc = networkDocument(conf);
  try {
    return await net.createNetwork('', doc);
  } catch (e) {
    if (!isPlatformError(e, 'HCN_E_NETWORK_ALREADY_EXISTS', 'ERROR_OBJECT_ALREADY_EXISTS', 'ERROR_ALREADY_EXISTS')) throw e;
    const winner = await findNetwork(net, conf.networkName);
    if (!winner) throw e;
    return winner;
  }
}

const TRANSIENT = ['HCN_E_MANAGER_STOPPED', 'HCS_E_CONNECT_FAILED', 'HCS_E_CONNECTION_TIMEOUT', 'HCS_E_CONNECTION_CLOSED',
  'HCS_E_SERVICE_NOT_AVAILABLE', 'HCS_E_SERVICE_DISCONNECT', 'HCN_E_DEGRADED_OPERATION'] as const;

/** Any failure → a CNI error; platform errors keep their HRESULT name in the message and details. */
export function toCniError(e: unknown, what: string): CniError {
  if (e instanceof CniError) return e;
  if (e instanceof PlatformError) {
    const details = JSON.stringify({ hresult: `0x${e.hresult.toString(16).padStart(8, '0')}`, code: e.code, operation: e.operation });
    if (e.is('HCN_E_PORT_ALREADY_EXISTS')) {
      return new CniError(CNI_ERR.PortConflict, `${what}: a hostPort is already in use on this node (HCN_E_PORT_ALREADY_EXISTS): ${e.message}`, details);
    }
    if (e.is('HCN_E_MAPPING_NOT_SUPPORTED')) {
      return new CniError(CNI_ERR.HnsFailure, `${what}: port mapping is not supported on this network (HCN_E_MAPPING_NOT_SUPPORTED): ${e.message}`, details);
    }
    if (e.is(...TRANSIENT)) return new CniError(CNI_ERR.TryAgainLater, `${what}: HNS is not available: ${e.message}`, details);
    return new CniError(CNI_ERR.HnsFailure, `${what}: ${e.message}`, details);
  }
  return new CniError(CNI_ERR.IoFailure, `${what}: ${(e as Error)?.message ?? String(e)}`);
}
