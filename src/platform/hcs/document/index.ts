/**
 * HCS document builders: the only code that knows the shapes of HCS documents. Pure functions from the
 * OCI-shaped ContainerSpec (../../spec.ts) to schema documents (../schema).
 */
export { DocumentError } from './errors.js';
export { escapeArg, escapeProgramName, joinCommandLine, splitCommandLine } from './cmdline.js';
export { normalizeContainerPath, pipeName } from './paths.js';
export {
  buildContainerDocument, mapMounts, memorySizeInMB, processorSettings, MiB, DEFAULT_SCHEMA_VERSION,
  WAIT_TO_KILL_SERVICE_TIMEOUT, type ContainerDocumentOptions,
} from './container.js';
export {
  buildProcessParameters, buildExecProcessParameters, signalOptions, consoleSizeRequest, closeStdinRequest,
  type ProcessIo,
} from './process.js';
export { buildResourceUpdateRequests, SILO_MEMORY_RESOURCE_PATH, SILO_PROCESSOR_RESOURCE_PATH } from './resources.js';
export { layerId, uuidV5, buildLayerData, LAYER_ID_NAMESPACE } from './layer.js';
export { parseStatistics, parseRfc3339Ns, formatRfc3339Ns, type ContainerStatistics } from './statistics.js';
export {
  buildUtilityVmDocument, childPath, utilityVmScratchTemplate, normalizeVmMemory, SCSI_CONTROLLER_0, UVM_BOOT_FILE, UVM_HVSOCKET_BIND_SD,
  type UtilityVmDocumentOptions,
} from './utility-vm.js';
export { hostedSystemDocument } from './hosted.js';
export {
  buildCredentialGuardAddRequest, buildCredentialGuardRemoveRequest, credentialGuardState, CREDENTIAL_GUARD_PROPERTY,
  CREDENTIAL_GUARD_QUERY,
  credentialGuardInstanceIds,
} from './credential-guard.js';
export { deviceProblem } from './devices.js';
export { buildNicPreAddRequest, buildNicAddRequest, buildNicRemoveRequest, networkAdapterPath, type UvmNic } from './uvm-network.js';
export {
  buildVsmbShareRequest, vsmbHostedStorage, type VsmbNamer, vsmbOptions, vsmbShareName, vsmbGuestPath, VSMB_SHARES_PATH, VSMB_GUEST_PREFIX,
} from './vsmb.js';
export {
  buildHvSocketServiceRequest, buildHvSocketServiceRemoveRequest, buildHyperVCredentialGuardAddRequest, credentialGuardHvSocketConfig,
  hvSocketServicePath,
} from './uvm-hvsocket.js';
export {
  buildScsiScratchRequest, scsiHostedStorage, scsiAttachmentPath, scsiGuestMountPath, SCSI_FIRST_CONTAINER_LUN,
  SCSI_LUNS_PER_CONTROLLER, SCSI_GUEST_MOUNT_PREFIX, type ScsiScratch,
} from './scsi.js';
export { buildCombinedLayersRequest, combinedLayersOf, type CombinedLayers } from './combined-layers.js';
export { lostProcessExit, unreadableSystemExit, systemExitOf } from './exit-status.js';
export { SERVICE_BASIC_QUERY, serviceBasicProperties } from './service-properties.js';
