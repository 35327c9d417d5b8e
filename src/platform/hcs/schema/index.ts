// PLACEHOLDER — replaced by the full HCS schema v2 definitions (see the schema module task).
export type ComputeSystemDoc = Record<string, unknown> & { Owner?: string; SchemaVersion?: { Major?: number; Minor?: number } };
export interface ProcessParametersDoc {
  ApplicationName?: string; CommandLine?: string; CommandArgs?: string[]; User?: string; WorkingDirectory?: string;
  Environment?: Record<string, string>; RestrictedToken?: boolean; EmulateConsole?: boolean;
  CreateStdInPipe?: boolean; CreateStdOutPipe?: boolean; CreateStdErrPipe?: boolean; ConsoleSize?: number[];
  UseExistingLogin?: boolean; UseLegacyConsole?: boolean;
}
export interface ProcessStatusDoc { ProcessId?: number; Exited?: boolean; ExitCode?: number; LastWaitResult?: number }
export type PropertiesDoc = Record<string, unknown> & { Id?: string; State?: string; SystemType?: string; Owner?: string; Stopped?: boolean; ExitType?: string };
export interface PropertyQueryDoc { PropertyTypes?: string[] }
export interface ModifySettingRequestDoc { ResourcePath?: string; RequestType?: string; Settings?: unknown; GuestRequest?: unknown }
export interface SignalProcessOptionsDoc { Signal?: 'CtrlC' | 'CtrlBreak' | 'CtrlClose' | 'CtrlLogOff' | 'CtrlShutdown' }
export interface ProcessModifyRequestDoc { Operation?: string; ConsoleSize?: { Height?: number; Width?: number }; CloseHandle?: { Handle?: string } }
export interface SystemExitStatusDoc { Status?: number; ExitType?: string; Attribution?: unknown[] }
export interface SystemQueryDoc { Ids?: string[]; Names?: string[]; Types?: string[]; Owners?: string[] }
export interface LayerDataDoc { SchemaVersion?: { Major?: number; Minor?: number }; Layers?: { Id: string; Path: string; PathType?: string; Cache?: string }[]; FilterType?: string }
export interface ServicePropertiesDoc { SupportedSchemaVersions?: { Major?: number; Minor?: number }[]; [k: string]: unknown }
