/**
 * Errors to a system event log (the Windows Event Log, source `wincri`), platform-neutral: the writer is the
 * platform's (src/platform/windows/event-log.ts); this decides what reaches it.
 *   - only `error` lines; their text is the logger's, already redacted (./redact.ts): message, component, fields;
 *   - rate-limited: at most `burst` events per `windowMs`; the rest are counted and, once a window lets events
 *     through again, summarized in one event, so an error storm cannot flood the Event Log;
 *   - a writer failure disables nothing and throws nothing (the file/stderr log still has every line).
 */
import type { LogRecord } from './log.js';

export interface EventLogWriter {
  /** Reports one error event. */
  error(message: string): void;
  close(): void;
}

export interface EventLogSinkOptions {
  /** Events let through per window (default 10). */
  burst?: number;
  /** Window length (default 60 s). */
  windowMs?: number;
  /** Clock (tests). */
  now?: () => number;
}

/** Longest event text (ReportEventW strings are limited to 31,839 characters). */
export const MAX_EVENT_CHARS = 8000;

function fieldText(v: unknown): string {
  if (typeof v === 'string') return v;
  try { return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? String(v); } catch { return String(v); }
}

export function eventText(r: LogRecord): string {
  let s = `${r.component}: ${r.msg}`;
  for (const [k, v] of Object.entries(r.fields)) s += `\r\n${k}: ${fieldText(v)}`;
  return s.length > MAX_EVENT_CHARS ? `${s.slice(0, MAX_EVENT_CHARS)}…` : s;
}

/** A log tap (addLogTap) that writes error lines to `writer` within the rate limit. */
export function eventLogSink(writer: EventLogWriter, opts: EventLogSinkOptions = {}): (r: LogRecord) => void {
  const burst = opts.burst ?? 10;
  const windowMs = opts.windowMs ?? 60_000;
  const now = opts.now ?? Date.now;
  let windowStart = -Infinity;
  let sent = 0;
  let suppressed = 0;
  const write = (text: string) => { try { writer.error(text); } catch { /* the primary log has the line */ } };
  return (r) => {
    if (r.level !== 'error') return;
    const t = now();
    if (t - windowStart >= windowMs) {
      windowStart = t;
      sent = 0;
      if (suppressed > 0) {
        write(`wincri: ${suppressed} more error(s) were not written to the Event Log (rate limit: ${burst} per ${windowMs / 1000} s); see the daemon's log file`);
        sent++;
        suppressed = 0;
      }
    }
    if (sent >= burst) { suppressed++; return; }
    sent++;
    write(eventText(r));
  };
}
