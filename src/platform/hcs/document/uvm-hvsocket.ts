/**
 * gMSA in a Hyper-V pod (hcsshim internal/credentials + internal/uvm/hvsocket.go): the credential guard instance is
 * added with Transport "HvSocket"; the service answers with an HvSocket service (ServiceId + ServiceConfig) the
 * guest reaches it through, which is opened in the utility VM's HvSocket service table before the container
 * starts — an Update of `VirtualMachine/Devices/HvSocket/HvSocketConfig/ServiceTable/<ServiceId>`.
 */
import type { ContainerCredentialGuardHvSocketServiceConfigDoc, ModifySettingRequestDoc } from '../schema/index.js';
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
