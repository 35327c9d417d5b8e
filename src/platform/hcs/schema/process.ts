/**
 * HCS schema v2 process documents (hcsshim internal/hcs/schema2 process_parameters.go, process_status.go,
 * process_modify_request.go, console_size.go, close_handle.go; guestrequest / guestresource for the
 * Signal, Operation and Handle values).
 */
import { object, array, map, str, bool, int32, uint16, uint32, literal, type Infer } from '../../schema.js';

export const ProcessParameters = object('ProcessParameters', {
  ApplicationName: str,
  CommandLine: str,
  /** Linux guests only. */
  CommandArgs: array(str),
  User: str,
  WorkingDirectory: str,
  Environment: map(str),
  RestrictedToken: bool,
  /** Allocate a pseudo console (TTY); the StdErr pipe is then not created. */
  EmulateConsole: bool,
  CreateStdInPipe: bool,
  CreateStdOutPipe: bool,
  CreateStdErrPipe: bool,
  /** [height, width] (Go []int32). */
  ConsoleSize: array(int32),
  UseExistingLogin: bool,
  UseLegacyConsole: bool,
});
export type ProcessParametersDoc = Infer<typeof ProcessParameters>;

export const ProcessStatus = object('ProcessStatus', {
  ProcessId: uint32,
  Exited: bool,
  /** Valid only when Exited and LastWaitResult is S_OK. */
  ExitCode: uint32,
  /** HRESULT. */
  LastWaitResult: int32,
});
export type ProcessStatusDoc = Infer<typeof ProcessStatus>;

export const ProcessSignal = literal('CtrlC', 'CtrlBreak', 'CtrlClose', 'CtrlLogOff', 'CtrlShutdown');
export type ProcessSignalDoc = Infer<typeof ProcessSignal>;
/** HcsSignalProcess options for Windows processes (guestresource.SignalProcessOptionsWCOW). */
export const SignalProcessOptions = object('SignalProcessOptions', { Signal: ProcessSignal });
export type SignalProcessOptionsDoc = Infer<typeof SignalProcessOptions>;

export const ConsoleSize = object('ConsoleSize', { Height: uint16, Width: uint16 });
export type ConsoleSizeDoc = Infer<typeof ConsoleSize>;
export const StdioHandle = literal('StdIn', 'StdOut', 'StdErr', 'All');
export const CloseHandle = object('CloseHandle', { Handle: StdioHandle });
export type CloseHandleDoc = Infer<typeof CloseHandle>;
export const ProcessModifyOperation = literal('ConsoleSize', 'CloseHandle');
export const ProcessModifyRequest = object('ProcessModifyRequest', {
  Operation: ProcessModifyOperation,
  ConsoleSize: ConsoleSize,
  CloseHandle: CloseHandle,
});
export type ProcessModifyRequestDoc = Infer<typeof ProcessModifyRequest>;
