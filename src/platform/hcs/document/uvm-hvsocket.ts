/**
 * gMSA in a Hyper-V pod (hcsshim internal/credentials + internal/uvm/hvsocket.go): the credential guard instance is
 * added with Transport "HvSocket"; the service answers with an HvSocket service (ServiceId + ServiceConfig) the
 * guest reaches it through, which is opened in the utility VM's HvSocket service table before the container
 * starts — an Update of `VirtualMachine/Devices/HvSocket/HvSocketConfig/ServiceTable/<ServiceId>`.
 */
import type {
  ContainerCredentialGuardHvSocketServiceConfigDoc, ContainerCredentialGuardSystemInfoDoc, ModifySettingRequestDoc,
} from '../schema/index.js';
import { buildCredentialGuardAddRequest } from './credential-guard.js';
import { DocumentError } from './errors.js';

export const hvSocketServicePath = (serviceId: string): string => `VirtualMachine/Devices/HvSocket/HvSocketConfig/ServiceTable/${serviceId}`;

/** AddInstance for a container hosted in a utility VM. */
export const buildHyperVCredentialGuardAddRequest = (id: string, credentialSpec: string) =>
  buildCredentialGuardAddRequest(id, credentialSpec, 'HvSocket');

export function buildHvSocketServiceRequest(config: ContainerCredentialGuardHvSocketServiceConfigDoc | undefined): ModifySettingRequestDoc {
  if (!config?.ServiceId) throw new DocumentError('the credential guard instance has no HvSocket service (was it added with Transport HvSocket?)');
  return { RequestType: 'Update', ResourcePath: hvSocketServicePath(config.ServiceId), Settings: { ...(config.ServiceConfig ?? {}) } };
}

/** Closes the service again in the VM's HvSocket service table (the instance's removal does not). */
export function buildHvSocketServiceRemoveRequest(serviceId: string): ModifySettingRequestDoc {
  if (!serviceId) throw new DocumentError('an HvSocket service ID is required');
  return { RequestType: 'Remove', ResourcePath: hvSocketServicePath(serviceId) };
}

/** The HvSocket service of instance `id` from the Properties array HcsGetServiceProperties returned for CREDENTIAL_GUARD_QUERY. */
export function credentialGuardHvSocketConfig(properties: readonly unknown[], id: string): ContainerCredentialGuardHvSocketServiceConfigDoc | undefined {
  const info = properties[0] as ContainerCredentialGuardSystemInfoDoc | null | undefined;
  const found = info?.Instances?.find((i) => i.Id === id)?.HvSocketConfig;
  return found ? structuredClone(found) : undefined;
}
