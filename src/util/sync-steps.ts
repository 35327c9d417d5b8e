/**
 * Whether the cheap steps of a crash-safe write (open, small write, close, rename; a directory's open and close)
 * run synchronously on the caller's thread, leaving only the fsyncs to the thread pool.
 *
 * Linux only: there each step takes microseconds, and skipping the thread pool saves two thread wake-ups per step,
 * which on a host with busy cores each wait for a core (measured: util/atomic.ts). On Windows, the product target,
 * CloseHandle can stall while an antivirus filter scans the file just written, and a directory fsync is skipped
 * (dir-sync.ts), so a synchronous write would block the event loop for the whole scan: the asynchronous path
 * stays there (and on any other platform). Every function that uses this takes it as an overridable argument so
 * tests run both paths on one host.
 */
export const SYNC_STEPS_DEFAULT: boolean = process.platform === 'linux';
