/**
 * Structured logger: one line per event to stderr, either JSON (`{"time","level","component","msg",…fields}`,
 * the default when stderr is not a terminal) or readable text (`time LEVEL component: msg key=value…`, on a
 * terminal). Format from setLogFormat (config `logFormat`) or WINCRI_LOG_FORMAT; level from setLogLevel (config
 * `logLevel`) or WINCRI_LOG_LEVEL. Both are exported to the environment so helper processes log the same way.
 *
 * Fields of the current context (withLogContext: the request id of the RPC being served) ride on every line made
 * inside it, across awaits. Secrets never reach the output: see ./redact.ts.
 */
import { redactFields, redactText } from './redact.js';
import { currentContext, runInContext } from './request-context.js';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof LEVELS;
export type LogFormat = 'auto' | 'json' | 'text';
export const LOG_FORMATS: readonly LogFormat[] = ['auto', 'json', 'text'];

let threshold: number = LEVELS[(process.env.WINCRI_LOG_LEVEL as LogLevel) ?? 'info'] ?? LEVELS.info;
let format: LogFormat = LOG_FORMATS.includes(process.env.WINCRI_LOG_FORMAT as LogFormat) ? process.env.WINCRI_LOG_FORMAT as LogFormat : 'auto';
/** Where lines go (tests capture it). */
let sink: (line: string) => void = (line) => { process.stderr.write(line); };

export function setLogLevel(level: LogLevel): void {
  threshold = LEVELS[level];
  process.env.WINCRI_LOG_LEVEL = level;
}

export function setLogFormat(f: LogFormat): void {
  format = f;
  process.env.WINCRI_LOG_FORMAT = f;
}

export function setLogSink(fn: (line: string) => void): () => void {
  const prev = sink;
  sink = fn;
  return () => { sink = prev; };
}

/** A line as data, already redacted, for secondary sinks (the Windows Event Log: ./event-log-sink.ts). */
export interface LogRecord { time: Date; level: LogLevel; component: string; msg: string; fields: Record<string, unknown> }
const taps = new Set<(r: LogRecord) => void>();

/** Also hands every line that passes the level threshold to `tap`; returns its removal. A throwing tap is ignored. */
export function addLogTap(tap: (r: LogRecord) => void): () => void {
  taps.add(tap);
  return () => { taps.delete(tap); };
}

/** A line made on a thread that forwards its lines (forwardLogs), as it crosses to the thread that writes it. */
export interface ForwardedLine { level: LogLevel; component: string; msg: string; fields: Record<string, unknown> }
let forward: ((l: ForwardedLine) => void) | undefined;

/**
 * Hands this thread's lines to `fn` instead of writing them (a worker thread: unpack-thread.ts posts them to the
 * daemon, which logs them with logForwarded through its own level, sinks and taps).
 */
export function forwardLogs(fn: ((l: ForwardedLine) => void) | undefined): void { forward = fn; }

/** Logs a line another thread forwarded, as if made here: this thread's level, format, sinks and taps apply. */
export function logForwarded(l: ForwardedLine): void {
  if (!(l.level in LEVELS)) return;
  logger(l.component)[l.level](l.msg, l.fields);
}

/** Runs `fn` with `fields` added to every line logged inside it (including from promises it starts). */
export function withLogContext<T>(fields: Record<string, unknown>, fn: () => T): T {
  const cur = currentContext();
  return runInContext({ clock: cur?.clock, fields: { ...cur?.fields, ...fields } }, fn);
}

/** Whether lines of `level` are written (to skip building a line nobody reads). */
export function logs(level: LogLevel): boolean { return LEVELS[level] >= threshold; }

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(component: string): Logger;
}

function fmt(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s !== undefined && /[\s"=]/.test(s) ? JSON.stringify(s) : String(s);
}

function json(level: LogLevel, component: string, msg: string, fields: Record<string, unknown>): string {
  return JSON.stringify({ time: new Date().toISOString(), level, component, msg, ...fields }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) + '\n';
}

function text(level: LogLevel, component: string, msg: string, fields: Record<string, unknown>): string {
  let line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${component}: ${msg}`;
  for (const [k, v] of Object.entries(fields)) line += ` ${k}=${fmt(typeof v === 'bigint' ? v.toString() : v)}`;
  return line + '\n';
}

export function logger(component: string): Logger {
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (forward) {
      // The receiving thread decides by its own level. Fields that cannot cross (a clone error) go as text.
      const all = { ...currentContext()?.fields, ...fields };
      try {
        forward({ level, component, msg, fields: all });
      } catch {
        try { forward({ level, component, msg, fields: Object.fromEntries(Object.entries(all).map(([k, v]) => [k, fmt(v)])) }); } catch { /* the line is lost, not the work */ }
      }
      return;
    }
    if (LEVELS[level] < threshold) return;
    const all = redactFields({ ...currentContext()?.fields, ...fields });
    const asJson = format === 'json' || (format === 'auto' && !process.stderr.isTTY);
    const clean = redactText(msg);
    sink((asJson ? json : text)(level, component, clean, all));
    for (const tap of taps) { try { tap({ time: new Date(), level, component, msg: clean, fields: all }); } catch { /* a sink must not break logging */ } }
  };
  return {
    debug: (m, f) => emit('debug', m, f), info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f), error: (m, f) => emit('error', m, f),
    child: (c) => logger(`${component}/${c}`),
  };
}
