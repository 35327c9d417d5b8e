/**
 * Container Credential Guard (gMSA) service requests, as hcsshim internal/credentials builds them: an instance is
 * added with HcsModifyServiceSettings before the container exists (Transport LRPC for process isolation, HvSocket
 * for Hyper-V), looked up with HcsGetServiceProperties("ContainerCredentialGuard"), put into the container document
 * (Container.ContainerCredentialGuard) and removed explicitly when the container goes: HCS never removes it itself.
 */
import type {
  ModificationRequestDoc, ContainerCredentialGuardStateDoc, ContainerCredentialGuardTransportDoc,
  ContainerCredentialGuardAddInstanceRequestDoc, ContainerCredentialGuardRemoveInstanceRequestDoc,
  ContainerCredentialGuardOperationRequestDoc, ContainerCredentialGuardSystemInfoDoc, ServicePropertyQueryDoc,
} from '../schema/index.js';
import { DocumentError } from './errors.js';

export const CREDENTIAL_GUARD_PROPERTY = 'ContainerCredentialGuard';

function request(settings: ContainerCredentialGuardOperationRequestDoc): ModificationRequestDoc {
  return { PropertyType: CREDENTIAL_GUARD_PROPERTY, Settings: settings };
}

export function buildCredentialGuardAddRequest(
  id: string, credentialSpec: string, transport: ContainerCredentialGuardTransportDoc = 'LRPC',
): ModificationRequestDoc {
  if (!id) throw new DocumentError('credential guard instance id is empty');
  if (!credentialSpec) throw new DocumentError('credential guard instance needs a credential spec');
  const details: ContainerCredentialGuardAddInstanceRequestDoc = { Id: id, CredentialSpec: credentialSpec, Transport: transport };
  return request({ Operation: 'AddInstance', OperationDetails: details });
}

export function buildCredentialGuardRemoveRequest(id: string): ModificationRequestDoc {
  const details: ContainerCredentialGuardRemoveInstanceRequestDoc = { Id: id };
  return request({ Operation: 'RemoveInstance', OperationDetails: details });
}

export const CREDENTIAL_GUARD_QUERY: ServicePropertyQueryDoc = { PropertyTypes: [CREDENTIAL_GUARD_PROPERTY] };

/** IDs of every instance in the Properties array HcsGetServiceProperties returned for CREDENTIAL_GUARD_QUERY. */
export function credentialGuardInstanceIds(properties: readonly unknown[]): string[] {
  const info = properties[0] as ContainerCredentialGuardSystemInfoDoc | null | undefined;
  return (info?.Instances ?? []).map((i) => i.Id).filter((id): id is string => !!id);
}

/**
 * The state of instance `id` from the Properties array HcsGetServiceProperties returned for CREDENTIAL_GUARD_QUERY
 * (one entry: ContainerCredentialGuardSystemInfo); undefined when the service lists no such instance.
 */
export function credentialGuardState(properties: readonly unknown[], id: string): ContainerCredentialGuardStateDoc | undefined {
  if (properties.length !== 1) throw new DocumentError(`expected one ContainerCredentialGuard property, got ${properties.length}`);
  const info = properties[0] as ContainerCredentialGuardSystemInfoDoc | null;
  const found = info?.Instances?.find((i) => i.Id === id);
  return found?.CredentialGuard ? { ...found.CredentialGuard } : undefined;
}
