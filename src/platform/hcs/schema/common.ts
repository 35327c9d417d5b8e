/**
 * HCS schema v2: shared pieces. Field names and JSON types as microsoft/hcsshim internal/hcs/schema2 declares
 * them (every field is `omitempty` there, so every field is optional here).
 */
import { object, int32, literal, type Infer } from '../../schema.js';

/** schema2 Version: {Major, Minor} (Go int32). */
export const Version = object('Version', { Major: int32, Minor: int32 });
export type VersionDoc = Infer<typeof Version>;

/** ModifySettingRequest.RequestType (guestrequest.RequestType; "PreAdd" is used for networking). */
export const RequestType = literal('Add', 'Remove', 'Update', 'PreAdd');
export type RequestTypeDoc = Infer<typeof RequestType>;

/** Properties.State. */
export const State = literal('Created', 'Running', 'Paused', 'Stopped', 'SavedAsTemplate', 'Unknown');
export type StateDoc = Infer<typeof State>;

/** Properties.ExitType and SystemExitStatus.ExitType. */
export const ExitType = literal('None', 'GracefulExit', 'ForcedExit', 'UnexpectedExit', 'Unknown');
export type ExitTypeDoc = Infer<typeof ExitType>;

/** Properties.SystemType. */
export const SystemType = literal('Container', 'VirtualMachine');
export type SystemTypeDoc = Infer<typeof SystemType>;
