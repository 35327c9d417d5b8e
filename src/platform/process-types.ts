/**
 * Processes on the platform seam (./types.ts re-exports all of this): how one is created (CreateProcessOptions,
 * CreatedProcess), its stdio (ProcessStdio, AckedOutput) and its handle (ComputeProcess, an HCS_PROCESS).
 */
import type { Readable, Writable } from 'node:stream';
import type { ProcessStatusDoc, SignalProcessOptionsDoc, ProcessModifyRequestDoc } from './hcs/schema/index.js';

export interface ProcessStdio {
  stdin?: Writable;
  stdout?: Readable;
  stderr?: Readable;
  /** Where the platform keeps output until its reader acknowledges it (the emulator): one per output stream. */
  acks?: { stdout?: AckedOutput; stderr?: AckedOutput };
  /**
   * ComputeProcess.reopenOutput: streams another reader still held when the wait for them ended, each with its
   * error (ERROR_SHARING_VIOLATION, saying what to check); the streams that were free are there as usual.
   */
  held?: { stdout?: Error; stderr?: Error };
}

/**
 * Output delivered with acknowledgements: the platform keeps what the reader has not acknowledged and hands it to
 * the next reader (reopenOutput), so a reader killed mid-write loses nothing.
 */
export interface AckedOutput {
  /** Stream offset of the first byte the Readable yields. */
  readonly start: number;
  /** Bytes before `start` the platform no longer had (lost). */
  readonly gap: number;
  /** Every byte below `offset` is stored: the platform may drop it. */
  ack(offset: number): void;
}

export interface CreateProcessOptions {
  /** Ask for acknowledged output (ProcessStdio.acks) where the platform supports it. */
  ackedOutput?: boolean;
  /**
   * The call may return before the platform's own record of the process is durable; ComputeProcess.recorded then
   * resolves once it is, so the caller can write its record meanwhile (and must await both before it reports the
   * process). Platforms whose records are durable at once (HCS) ignore it.
   */
  recordLater?: boolean;
  /**
   * Called once the process exists and before createProcess returns, where a platform connects the stdio after
   * creating the process (the emulator: a connection per pipe): the caller can write its own record of the process
   * meanwhile. Platforms that hand out the stdio with the process (HCS) need not call it. When createProcess fails
   * after calling it (onCreated throwing included: it rejects with that error), the process has been terminated.
   */
  onCreated?(created: CreatedProcess): void;
  /**
   * The process's stdin outlives the caller (the IO keeper: a container's stdin): closing or losing the Writable
   * does not close it, only its end() does; a later owner takes it over with ComputeProcess.reopenStdin. Platforms
   * that cannot keep it ignore it (the stdin then closes with its Writable).
   */
  keepStdin?: boolean;
}

/** What CreateProcessOptions.onCreated is told: the pid, whether its output is acknowledged, and the platform's record. */
export interface CreatedProcess {
  readonly pid: number;
  /** ProcessStdio.acks will be set (acknowledged output was asked for, and the process has an output pipe). */
  readonly ackedOutput: boolean;
  /** As ComputeProcess.recorded. */
  recorded?(): Promise<void>;
}

/** An open HCS_PROCESS handle. */
export interface ComputeProcess {
  readonly pid: number;
  readonly stdio: ProcessStdio;
  /** HcsSignalProcess (CtrlC, CtrlBreak, CtrlClose, CtrlLogOff, CtrlShutdown). */
  signal(options: SignalProcessOptionsDoc): Promise<void>;
  /** HcsTerminateProcess: HCS_E_PROCESS_ALREADY_STOPPED if it has exited. */
  terminate(): Promise<void>;
  getProperties(): Promise<ProcessStatusDoc>;
  /** HcsModifyProcess: console size, close a std handle. */
  modify(request: ProcessModifyRequestDoc): Promise<void>;
  /** Resolves with ProcessStatus once the process has exited (HcsEventProcessExited). */
  waitExit(): Promise<ProcessStatusDoc>;
  /**
   * The output pipes of a process this caller opened rather than created (HcsGetProcessInfo's std handles): how
   * a restarted IO keeper takes over a running container's output. Optional; absent means they are lost.
   * `from`: per stream, the offset up to which the caller already stored acknowledged output (ProcessStdio.acks);
   * given, the streams are acknowledged and start there. A stream without a pipe (never made, or no longer kept) is
   * absent; one another reader keeps is named in ProcessStdio.held, the other stream returned all the same; any other
   * failure rejects, no stream left attached (the caller tells a failure that can pass from one that cannot).
   */
  reopenOutput?(from?: { stdout?: number; stderr?: number }): Promise<ProcessStdio>;
  /**
   * The stdin of a process created with CreateProcessOptions.keepStdin, for a caller that opened it (a restarted IO
   * keeper). Undefined when it has ended or was not kept. Optional; absent means it is lost.
   */
  reopenStdin?(): Promise<Writable | undefined>;
  /** With CreateProcessOptions.recordLater: resolves once the platform's record of the process is durable. */
  recorded?(): Promise<void>;
  close(): void;
}
