/**
 * HCS schema v2 request/result documents: ModifySettingRequest (modify_setting_request.go), the system exit
 * status and error result documents of computecore (HcsEventSystemExited data, operation result JSON, see
 * hcsshim internal/hcs/v2/errors.go), LayerData (computestorage/storage.go) and the service properties.
 */
import { object, array, str, int32, uint16, uint32, any, type Infer } from '../../schema.js';
import { Version, RequestType, ExitType } from './common.js';
import { Layer, FileSystemFilterType } from './container.js';

/**
 * HcsModifyComputeSystem request. Settings is the resource's own document (a bare number for
 * Container/Memory/SizeInMB, a Processor object for Container/Processor, a MappedDirectory for
 * Container/MappedDirectories, ...); it is validated per ResourcePath by the service, not here.
 */
export const ModifySettingRequest = object('ModifySettingRequest', {
  ResourcePath: str,
  RequestType: RequestType,
  Settings: any,
  GuestRequest: any,
});
export type ModifySettingRequestDoc = Infer<typeof ModifySettingRequest>;

export const ErrorEvent = object('ErrorEvent', {
  Message: str,
  StackTrace: str,
  Provider: str,
  EventId: uint16,
  Flags: uint32,
  Source: str,
  Data: array(any),
});
export type ErrorEventDoc = Infer<typeof ErrorEvent>;

/** Result document of a failed operation: {Error: HRESULT, ErrorMessage, ErrorEvents, Attribution}. */
export const ResultError = object('ResultError', {
  Error: int32,
  ErrorMessage: str,
  ErrorEvents: array(ErrorEvent),
  Attribution: array(any),
});
export type ResultErrorDoc = Infer<typeof ResultError>;

/** HcsEventSystemExited event data / HcsWaitForComputeSystemExit result. */
export const SystemExitStatus = object('SystemExitStatus', {
  /** HRESULT. */
  Status: int32,
  ExitType: ExitType,
  Attribution: array(any),
});
export type SystemExitStatusDoc = Infer<typeof SystemExitStatus>;

/** computestorage LayerData: the parent chain for HcsImportLayer / InitializeWritableLayer / AttachLayerStorageFilter. */
export const LayerData = object('LayerData', {
  SchemaVersion: Version,
  Layers: array(Layer),
  FilterType: FileSystemFilterType,
});
export type LayerDataDoc = Infer<typeof LayerData>;

/**
 * HcsGetServiceProperties result. hcsshim's ServiceProperties is {Properties: [...]}, one entry per queried
 * property type; the "Basic" entry is {SupportedSchemaVersions: Version[]}. wincri's seam returns the Basic
 * information flattened to the top level (SupportedSchemaVersions), and implementations may add further
 * service facts (unknown fields are accepted here, unlike every other HCS document).
 */
export const ServiceProperties = object('ServiceProperties', {
  SupportedSchemaVersions: array(Version),
  Properties: array(any),
}, { allowUnknown: true });
export type ServicePropertiesDoc = Infer<typeof ServiceProperties> & { [k: string]: unknown };
