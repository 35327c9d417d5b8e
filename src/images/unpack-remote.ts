/**
 * A layer fetched from a registry and unpacked on a worker thread, the download made by the worker itself
 * (pull/remote-layer.ts): the daemon's main thread only answers the worker's authorisation requests with its own
 * authorizer (pull/auth-relay.ts) and counts the bytes it reports. Cancelling terminates the worker, its
 * connections and writes with it; the caller removes the blob's temp file and the staging folder.
 */
import { WorkerJob } from './unpack-job.js';
import type { WorkerUnpackResult } from './unpack-protocol.js';
import type { RemoteLayerSpec } from './pull/remote-layer.js';
import { serveAuth, type AuthSource } from './pull/auth-relay.js';
import type { Endpoint } from './pull/endpoints.js';
import { redact } from './pull/redact.js';
import { logger } from '../util/log.js';
import { errorMessage } from '../errors.js';

const log = logger('images/pull');

/** A registry layer to fetch on the worker: its spec, the daemon's authorizer with the endpoints the spec's indexes name, and who counts its bytes. */
export interface RemoteInput { spec: RemoteLayerSpec; auth: AuthSource; eps: Endpoint[]; onBytes?: (n: number) => void }

export interface RemoteUnpackOptions {
  maxBytes?: number;
  /** Also write the blob to this file (flushed); its digest and size are in `result.blob` either way. */
  blobPath?: string;
  /** Bytes received, as the worker reports them. */
  onBytes?: (n: number) => void;
  signal: AbortSignal;
}

export async function unpackRemoteInWorker(remote: RemoteInput, staging: string, o: RemoteUnpackOptions): Promise<WorkerUnpackResult> {
  if (o.signal.aborted) throw o.signal.reason;
  const job: WorkerJob = new WorkerJob({ staging, maxBytes: o.maxBytes, blobPath: o.blobPath, hashBlob: true, remote: remote.spec }, (m) => {
    if ('got' in m) { remote.onBytes?.(m.got); o.onBytes?.(m.got); }
    else if ('auth' in m || 'challenged' in m) {
      serveAuth(remote.auth, remote.eps, m, o.signal)
        .then((reply) => { if (reply && !job.answered) job.post(reply); })
        .catch((e: unknown) => log.warn('answering an unpack worker\'s auth request failed', { err: errorMessage(e) }));
    }
  });
  let cancel!: (reason: unknown) => void;
  const cancelled = new Promise<never>((_, reject) => { cancel = reject; });
  cancelled.catch(() => undefined);
  // Rejects once the worker has stopped: nothing writes into the staging folder or the blob file any more.
  const onAbort = () => { void job.kill().catch(() => undefined).finally(() => cancel(o.signal.reason)); };
  o.signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await Promise.race([job.finish(), cancelled]);
  } catch (e) {
    throw redacted(e, remote.eps);
  } finally {
    o.signal.removeEventListener('abort', onAbort);
  }
}

/**
 * The worker's endpoints carry no secrets (withoutSecrets), so its registry errors were redacted by pattern only:
 * here, where the credentials are, every value of them is taken out of the rebuilt error's message.
 */
function redacted(e: unknown, eps: Endpoint[]): unknown {
  if (!(e instanceof Error)) return e;
  const clean = eps.reduce((m, ep) => redact(m, ep.creds), e.message);
  if (clean !== e.message) e.message = clean;
  return e;
}
