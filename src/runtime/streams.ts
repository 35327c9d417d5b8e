/**
 * What exec, attach and port-forward share: the streaming service (absent → Unimplemented), the state checks
 * CRI asks for before a URL is handed out (unknown container → NotFound, not running → FailedPrecondition,
 * pod not ready → FailedPrecondition), and waiting on a stream's end without touching its flow.
 */
import { finished, type Readable } from 'node:stream';
import type { StreamingService } from '../streaming/types.js';
import { failedPrecondition, unimplemented } from '../errors.js';
import type { RuntimeState, StoredContainer } from './state.js';

export interface StreamIo { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }

export function streamingService(st: RuntimeState, rpc: string): StreamingService {
  if (!st.opts.streaming) {
    throw unimplemented(`${rpc}: this daemon runs without a streaming server, so exec, attach and port-forward are unavailable (use ExecSync, crictl exec -s)`);
  }
  return st.opts.streaming;
}

/** The container behind an ID or prefix, which must be running in a ready pod. */
export function runningContainer(st: RuntimeState, idOrPrefix: string): StoredContainer {
  const c = st.mustContainer(st.index.mustResolve(idOrPrefix, 'container'));
  if (c.state !== 'CONTAINER_RUNNING') throw failedPrecondition(`container ${c.id} is not running (${c.state})`);
  const pod = st.sandboxes.get(c.sandboxId);
  if (!pod || pod.state !== 'SANDBOX_READY') throw failedPrecondition(`pod sandbox ${c.sandboxId} of container ${c.id} is not ready`);
  return c;
}

/** The same check when the client arrives (the container may have stopped since the URL was handed out). */
export function stillRunning(st: RuntimeState, id: string): StoredContainer {
  const c = st.containers.get(id);
  if (!c || c.state !== 'CONTAINER_RUNNING') throw new Error(`container ${id} is not running any more`);
  return c;
}

/** Resolves once every stream ended (or closed, or failed), or after `timeoutMs`; never changes flow mode. */
export function streamsEnded(streams: (Readable | undefined)[], timeoutMs: number): Promise<void> {
  const waits = streams.filter((s): s is Readable => !!s && !s.readableEnded && !s.destroyed)
    .map((s) => new Promise<void>((r) => { finished(s, { writable: false }, () => r()); }));
  if (waits.length === 0) return Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    Promise.all(waits).then(() => undefined),
    new Promise<void>((r) => { timer = setTimeout(r, timeoutMs); timer.unref(); }),
  ]).finally(() => clearTimeout(timer));
}
