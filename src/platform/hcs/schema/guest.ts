/**
 * Guest requests carried in ModifySettingRequest.GuestRequest for a Windows utility VM (hcsshim
 * internal/protocol/guestrequest and guestresource), and the HvSocket service configuration a Hyper-V credential
 * guard instance comes with (schema2 ContainerCredentialGuardHvSocketServiceConfig).
 */
import { object, str, int32, any, array, literal, type Infer } from '../../schema.js';
import { RequestType } from './common.js';
import { HvSocketServiceConfig, Layer, FileSystemFilterType } from './container.js';

/** guestrequest.ModificationRequest: what the guest is asked to change. */
export const GuestModificationRequest = object('GuestModificationRequest', {
  ResourceType: literal('Network', 'NetworkNamespace', 'CombinedLayers', 'MappedDirectory', 'HvSocket', 'MappedVirtualDisk'),
  RequestType: RequestType,
  Settings: any,
});
export type GuestModificationRequestDoc = Infer<typeof GuestModificationRequest>;

/** guestrequest.NetworkModifyRequest (RS5 and later): a NIC of the VM, by adapter ID; Settings = the HNS endpoint on PreAdd. */
export const NetworkModifyRequest = object('NetworkModifyRequest', { AdapterId: str, RequestType: RequestType, Settings: any });
export type NetworkModifyRequestDoc = Infer<typeof NetworkModifyRequest>;

export const ContainerCredentialGuardHvSocketServiceConfig = object('ContainerCredentialGuardHvSocketServiceConfig', {
  ServiceId: str, ServiceConfig: HvSocketServiceConfig,
});
export type ContainerCredentialGuardHvSocketServiceConfigDoc = Infer<typeof ContainerCredentialGuardHvSocketServiceConfig>;

/** guestresource.WCOWMappedVirtualDisk: a SCSI disk of the VM (by LUN) mounted at ContainerPath in the Windows guest. */
export const WcowMappedVirtualDisk = object('WCOWMappedVirtualDisk', { ContainerPath: str, Lun: int32 });
export type WcowMappedVirtualDiskDoc = Infer<typeof WcowMappedVirtualDisk>;

/**
 * guestresource.WCOWCombinedLayers: the guest puts its file system filter on ContainerRootPath (a mounted scratch)
 * with Layers (guest paths) as the parents; a Windows guest ignores ScratchPath (the root is the scratch).
 * FilterType came with schema 2.9 (older inbox guests reject it; hcsshim omits it for WCIFS).
 */
export const WcowCombinedLayers = object('WCOWCombinedLayers', {
  ContainerRootPath: str, Layers: array(Layer), ScratchPath: str, FilterType: FileSystemFilterType,
});
export type WcowCombinedLayersDoc = Infer<typeof WcowCombinedLayers>;
