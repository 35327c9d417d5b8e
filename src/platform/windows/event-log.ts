/**
 * The Windows Event Log as an EventLogWriter (src/util/event-log-sink.ts): events of source `wincri` in the
 * Application log (the install script registers the source: deploy/plan, action eventlog.source). Loaded only on
 * Windows (serve); the tests point the DLL paths at a C library with the same exports (test/ffi/fakeeventlog.c).
 */
import type { EventLogWriter } from '../../util/event-log-sink.js';
import { bindEventLogApi, EVENTLOG_ERROR_TYPE } from './ffi/eventlog.js';
import { loadPinned } from './ffi/pin.js';
import { isNull } from './ffi/koffi.js';

/** Event id of wincri's error events (the source's message file, EventLogMessages.dll, shows the text as is). */
export const EVENT_ID_ERROR = 1;

export interface WindowsEventLogOptions {
  source?: string;
  /** DLL paths (test-only override). */
  libraries?: { advapi32: string; kernel32: string };
}

/** Opens the event source; undefined when Windows refuses it (RegisterEventSourceW returned NULL). */
export function openWindowsEventLog(opts: WindowsEventLogOptions = {}): EventLogWriter | undefined {
  const libs = opts.libraries ?? { advapi32: 'advapi32.dll', kernel32: 'kernel32.dll' };
  const api = bindEventLogApi(loadPinned(libs.advapi32, libs.kernel32));
  const handle = api.RegisterEventSourceW(null, opts.source ?? 'wincri');
  if (isNull(handle)) return undefined;
  let open = true;
  return {
    error(message: string) {
      if (!open) return;
      if (!api.ReportEventW(handle, EVENTLOG_ERROR_TYPE, 0, EVENT_ID_ERROR, null, 1, 0, [message], null)) throw new Error('ReportEventW failed');
    },
    close() {
      if (!open) return;
      open = false;
      api.DeregisterEventSource(handle);
    },
  };
}
