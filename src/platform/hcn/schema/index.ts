// PLACEHOLDER — replaced by the full HCN v2 schema definitions (see the schema module task).
export type HostComputeNetworkDoc = Record<string, unknown> & { Id?: string; Name?: string; Type?: string };
export type HostComputeEndpointDoc = Record<string, unknown> & { Id?: string; Name?: string; HostComputeNetwork?: string; HostComputeNamespace?: string };
export type HostComputeNamespaceDoc = Record<string, unknown> & { Id?: string; NamespaceId?: number; Type?: string; Resources?: { Type?: string; Data?: unknown }[]; SchemaVersion?: { Major?: number; Minor?: number } };
export interface ModifyNamespaceSettingRequestDoc { ResourceType?: string; RequestType?: string; Settings?: unknown }
export interface HcnQueryDoc { SchemaVersion?: { Major?: number; Minor?: number }; Flags?: number; Filter?: string }
