/**
 * The job notification port: one I/O completion port for all job containers of this daemon, each job associated
 * with its own key (JOBOBJECT_ASSOCIATE_COMPLETION_PORT_INFORMATION). One loop waits on it with
 * GetQueuedCompletionStatus through koffi's asynchronous call (a worker thread blocks, never the event loop), up to
 * half a second at a time: a notification (a process exited, no active process left) checks its job at once, a
 * timeout checks every job (nothing missed). The loop runs only while some job needs watching.
 */
import {
  type Bindings, type Pointer, callAsync, isNull, associateCompletionPort, JobObjectAssociateCompletionPortInformation,
  INVALID_HANDLE_VALUE,
} from '../ffi/index.js';
import type { JobTracker } from './tracker.js';

const WAIT_MS = 500;

export class JobPort {
  private port: Pointer = null;
  private readonly jobs = new Map<number, JobTracker>();
  private nextKey = 1;
  private running = false;
  private closed = false;
  constructor(private readonly b: Bindings) {}

  /** false when the job refuses the association (already associated, e.g. by the daemon before a restart). */
  attach(job: Pointer, t: JobTracker): boolean {
    if (this.closed) return false;
    if (isNull(this.port)) {
      this.port = this.b.jobs.CreateIoCompletionPort(INVALID_HANDLE_VALUE, null, 0, 1) as Pointer;
      if (isNull(this.port)) return false;
    }
    const key = this.nextKey++;
    if (!this.b.jobs.SetInformationJobObject(job, JobObjectAssociateCompletionPortInformation, associateCompletionPort(key, this.port as bigint), 16)) return false;
    this.jobs.set(key, t);
    this.wake();
    return true;
  }

  /** (Re)starts the loop if a job needs watching. */
  wake(): void {
    if (this.running || this.closed || ![...this.jobs.values()].some((t) => t.needsWatching())) return;
    this.running = true;
    void this.loop();
  }

  private async loop(): Promise<void> {
    const bytes = Buffer.alloc(8), key = Buffer.alloc(8), ov = Buffer.alloc(8);
    try {
      // Stopped jobs stay registered: a process handle opened later may still wait for its exit (wake() restarts).
      while (!this.closed && [...this.jobs.values()].some((t) => t.needsWatching())) {
        const got = await callAsync<number>(this.b.jobs.GetQueuedCompletionStatus, this.port, bytes, key, ov, WAIT_MS);
        if (this.closed) return;
        const one = got ? this.jobs.get(Number(key.readBigUInt64LE(0))) : undefined;
        for (const t of one ? [one] : [...this.jobs.values()].filter((x) => x.needsWatching())) t.check();
      }
    } catch {
      // The port is unusable: every job falls back to its timer.
      for (const t of this.jobs.values()) t.usePolling();
      this.jobs.clear();
    } finally {
      this.running = false; // synchronously with the loop's end: a wake() from now on starts a new loop
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (!isNull(this.port)) this.b.win32.CloseHandle(this.port);
    this.port = null;
  }
}
