/**
 * Service-level HCS documents (HcsModifyServiceSettings / HcsGetServiceProperties), hcsshim internal/hcs/schema2:
 * modification_request.go, modify_property_type.go, service_property_query.go and the Container Credential Guard
 * family (container_credential_guard_*.go). A gMSA container needs a credential guard instance created through the
 * service before the container; the instance's state then goes into Container.ContainerCredentialGuard.
 */
import { object, array, str, any, literal, required, type Infer } from '../../schema.js';
import { ContainerCredentialGuardState } from './container.js';
import { ContainerCredentialGuardHvSocketServiceConfig } from './guest.js';

/** ModifyPropertyType: the one service property a ModificationRequest changes. */
export const ModifyPropertyType = literal('Memory', 'CpuGroup', 'CacheAllocation', 'CacheMonitoring', 'ContainerCredentialGuard', 'MemoryBwAllocation');

/** HcsModifyServiceSettings input: Settings is the property type's own request document. */
export const ModificationRequest = object('ModificationRequest', { PropertyType: required(ModifyPropertyType), Settings: any });
export type ModificationRequestDoc = Infer<typeof ModificationRequest>;

export const ContainerCredentialGuardTransport = literal('LRPC', 'HvSocket');
export type ContainerCredentialGuardTransportDoc = Infer<typeof ContainerCredentialGuardTransport>;

export const ContainerCredentialGuardOperationRequest = object('ContainerCredentialGuardOperationRequest', {
  Operation: required(literal('AddInstance', 'RemoveInstance')),
  OperationDetails: any,
});
export type ContainerCredentialGuardOperationRequestDoc = Infer<typeof ContainerCredentialGuardOperationRequest>;

/** AddInstance details: Id (hcsshim passes the container ID), the credential spec JSON as a string, the transport. */
export const ContainerCredentialGuardAddInstanceRequest = object('ContainerCredentialGuardAddInstanceRequest', {
  Id: required(str), CredentialSpec: required(str), Transport: ContainerCredentialGuardTransport,
});
export type ContainerCredentialGuardAddInstanceRequestDoc = Infer<typeof ContainerCredentialGuardAddInstanceRequest>;

export const ContainerCredentialGuardRemoveInstanceRequest = object('ContainerCredentialGuardRemoveInstanceRequest', { Id: required(str) });
export type ContainerCredentialGuardRemoveInstanceRequestDoc = Infer<typeof ContainerCredentialGuardRemoveInstanceRequest>;

/** One running instance as HcsGetServiceProperties("ContainerCredentialGuard") lists it. */
export const ContainerCredentialGuardInstance = object('ContainerCredentialGuardInstance', {
  Id: str, CredentialGuard: ContainerCredentialGuardState, HvSocketConfig: ContainerCredentialGuardHvSocketServiceConfig,
});
export type ContainerCredentialGuardInstanceDoc = Infer<typeof ContainerCredentialGuardInstance>;

export const ContainerCredentialGuardSystemInfo = object('ContainerCredentialGuardSystemInfo', { Instances: array(ContainerCredentialGuardInstance) });
export type ContainerCredentialGuardSystemInfoDoc = Infer<typeof ContainerCredentialGuardSystemInfo>;

/** HcsGetServiceProperties query (Service_PropertyQuery). */
export const ServicePropertyQuery = object('ServicePropertyQuery', { PropertyTypes: array(str) });
export type ServicePropertyQueryDoc = Infer<typeof ServicePropertyQuery>;
