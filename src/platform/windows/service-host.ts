/**
 * Running as a Windows service (`wincri serve --windows-service`): the handshake with the Service Control
 * Manager.
 *
 *   StartServiceCtrlDispatcherW  blocks its thread for the life of the service, so it runs as a koffi async call
 *                                (on a koffi worker thread); the event loop keeps running the daemon.
 *   ServiceMain                  called by the SCM on a thread of its own; koffi runs the JS callback on the main
 *                                thread while that thread waits. It registers the control handler, reports
 *                                START_PENDING and returns; the daemon starts asynchronously and RUNNING (accepting
 *                                stop and shutdown) is reported once it serves. A koffi callback cannot wait for a
 *                                promise, so ServiceMain returns early; the dispatcher keeps serving controls until
 *                                STOPPED is reported.
 *   HandlerEx                    called on the dispatcher thread: STOP and SHUTDOWN report STOP_PENDING and start the
 *                                graceful close (containers keep running); STOPPED follows, with
 *                                ERROR_SERVICE_SPECIFIC_ERROR when the start or the stop failed. INTERROGATE succeeds;
 *                                other controls answer ERROR_CALL_NOT_IMPLEMENTED.
 */
import {
  loadAdvApi32Service, register, unregister, callAsync, isNull, HANDLER_FUNCTION_EX, SERVICE_MAIN_FUNCTION,
  SERVICE_WIN32_OWN_PROCESS, SERVICE_STOPPED, SERVICE_START_PENDING, SERVICE_STOP_PENDING, SERVICE_RUNNING,
  SERVICE_ACCEPT_STOP, SERVICE_ACCEPT_SHUTDOWN, SERVICE_CONTROL_STOP, SERVICE_CONTROL_SHUTDOWN, SERVICE_CONTROL_INTERROGATE,
  NO_ERROR, ERROR_CALL_NOT_IMPLEMENTED, ERROR_SERVICE_SPECIFIC_ERROR, type Pointer, type ServiceStatus,
} from './ffi/index.js';

export interface ServiceHooks {
  /** Starts the daemon; resolves once it serves. */
  start(): Promise<void>;
  /** Graceful close (never stops containers). */
  stop(): Promise<void>;
  /** Reports a failure of start or stop (the service then stops with exit code 1). */
  onError?(phase: 'start' | 'stop' | 'register', error: unknown): void;
}

export interface ServiceHostOptions {
  /** Service name (the SCM passes it to ServiceMain; must match the registered service). */
  name: string;
  /** advapi32.dll path (test-only override). */
  library?: string;
  startWaitHintMs?: number;
  stopWaitHintMs?: number;
}

/** Runs until the service is stopped; resolves with the process exit code (0, or 1 after a failure). */
export async function runAsWindowsService(opts: ServiceHostOptions, hooks: ServiceHooks): Promise<number> {
  const api = loadAdvApi32Service(opts.library);
  let handle: Pointer = null;
  let checkPoint = 0;
  let exitCode = 0;
  let stopping = false;

  const report = (state: number, waitHintMs = 0): void => {
    const pending = state === SERVICE_START_PENDING || state === SERVICE_STOP_PENDING;
    const status: ServiceStatus = {
      dwServiceType: SERVICE_WIN32_OWN_PROCESS, dwCurrentState: state,
      dwControlsAccepted: state === SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0,
      dwWin32ExitCode: state === SERVICE_STOPPED && exitCode ? ERROR_SERVICE_SPECIFIC_ERROR : 0,
      dwServiceSpecificExitCode: state === SERVICE_STOPPED ? exitCode : 0,
      dwCheckPoint: pending ? ++checkPoint : 0, dwWaitHint: waitHintMs,
    };
    api.SetServiceStatus(handle, status);
  };

  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    report(SERVICE_STOP_PENDING, opts.stopWaitHintMs ?? 30_000);
    hooks.stop().catch((e) => { exitCode = 1; hooks.onError?.('stop', e); }).finally(() => report(SERVICE_STOPPED));
  };

  const handler = register((control: number) => {
    if (control === SERVICE_CONTROL_STOP || control === SERVICE_CONTROL_SHUTDOWN) { stop(); return NO_ERROR; }
    if (control === SERVICE_CONTROL_INTERROGATE) return NO_ERROR;
    return ERROR_CALL_NOT_IMPLEMENTED;
  }, HANDLER_FUNCTION_EX);

  const main = register(() => {
    handle = api.RegisterServiceCtrlHandlerExW(opts.name, handler, null) as Pointer;
    if (isNull(handle)) {
      hooks.onError?.('register', new Error(`RegisterServiceCtrlHandlerExW("${opts.name}") failed: is the service registered under this name?`));
      return;
    }
    report(SERVICE_START_PENDING, opts.startWaitHintMs ?? 60_000);
    hooks.start().then(
      () => { if (!stopping) report(SERVICE_RUNNING); },
      (e) => { exitCode = 1; stopping = true; hooks.onError?.('start', e); report(SERVICE_STOPPED); },
    );
  }, SERVICE_MAIN_FUNCTION);

  try {
    const ok = await callAsync<number>(api.StartServiceCtrlDispatcherW, [
      { lpServiceName: opts.name, lpServiceProc: main },
      { lpServiceName: null, lpServiceProc: null },
    ]);
    if (!ok) {
      throw new Error('StartServiceCtrlDispatcherW failed: the process was not started by the Service Control Manager (from a console run "wincri serve" without --windows-service)');
    }
    return exitCode;
  } finally {
    unregister(main);
    unregister(handler);
  }
}
