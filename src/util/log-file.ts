/**
 * A process's log lines to a file rotated by size and count (./rotating-file.ts) instead of stderr: the daemon
 * with config `logFile`, the IO keeper always (io/keeper.log, started by the daemon with --log-file). Both use the
 * `logFileMaxSizeMB` / `logFileMaxFiles` settings. A file is never a terminal, so `auto` format becomes JSON lines.
 */
import { RotatingFile } from './rotating-file.js';
import { setLogFormat, setLogSink, type LogFormat } from './log.js';

export interface LogFileSettings {
  logFormat: LogFormat;
  logFileMaxSizeMB: number;
  logFileMaxFiles: number;
}

/** Sends every later log line to `path`; returns a function that restores the previous sink and closes the file. */
export function logToFile(path: string, s: LogFileSettings): () => void {
  if (s.logFormat === 'auto') setLogFormat('json');
  const file = new RotatingFile(path, s.logFileMaxSizeMB * 1024 * 1024, s.logFileMaxFiles);
  const restore = setLogSink((line) => file.write(line));
  return () => { restore(); file.close(); };
}
