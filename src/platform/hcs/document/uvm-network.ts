/**
 * A pod's HNS endpoint as a NIC of its utility VM, the requests hcsshim's internal/uvm/network.go sends for a
 * Windows guest: a guest-only PreAdd carrying the endpoint (so the guest can configure the adapter when it
 * appears), then the Add of `VirtualMachine/Devices/NetworkAdapters/<nic id>` with the endpoint ID and MAC, its
 * guest request naming the adapter; Remove is the reverse.
 */
import type { ModifySettingRequestDoc, NetworkModifyRequestDoc, GuestModificationRequestDoc } from '../schema/index.js';
import type { HostComputeEndpointDoc } from '../../hcn/schema/index.js';
import { DocumentError } from './errors.js';

export const networkAdapterPath = (nicId: string): string => `VirtualMachine/Devices/NetworkAdapters/${nicId}`;

export interface UvmNic { nicId: string; endpointId: string; macAddress: string }

function check(n: UvmNic): void {
  if (!n.nicId) throw new DocumentError('utility VM NIC: no adapter ID');
  if (!n.endpointId) throw new DocumentError('utility VM NIC: no HNS endpoint ID');
  if (!n.macAddress) throw new DocumentError(`utility VM NIC: endpoint ${n.endpointId} has no MAC address`);
}

const guest = (settings: NetworkModifyRequestDoc): GuestModificationRequestDoc => ({ ResourceType: 'Network', RequestType: 'Add', Settings: settings });

/** Guest-only: the endpoint's settings, before the adapter is added. */
export function buildNicPreAddRequest(n: UvmNic, endpoint: HostComputeEndpointDoc): ModifySettingRequestDoc {
  check(n);
  return { GuestRequest: guest({ AdapterId: n.nicId, RequestType: 'PreAdd', Settings: endpoint }) };
}

export function buildNicAddRequest(n: UvmNic): ModifySettingRequestDoc {
  check(n);
  return {
    RequestType: 'Add', ResourcePath: networkAdapterPath(n.nicId),
    Settings: { EndpointId: n.endpointId, MacAddress: n.macAddress },
    GuestRequest: guest({ AdapterId: n.nicId, RequestType: 'Add' }),
  };
}

/** hcsshim's Windows remove carries its guest part as a request with RequestType and Settings only. */
export function buildNicRemoveRequest(n: UvmNic): ModifySettingRequestDoc {
  check(n);
  return {
    RequestType: 'Remove', ResourcePath: networkAdapterPath(n.nicId),
    Settings: { EndpointId: n.endpointId, MacAddress: n.macAddress },
    GuestRequest: { RequestType: 'Remove', Settings: { AdapterId: n.nicId, RequestType: 'Remove' } },
  };
}
