/**
 * The CLI's connection to a running daemon: CRI RuntimeService / ImageService clients (grpc-js, from
 * api/api.proto) and wincri's admin service, on the same endpoint. Every call has a deadline; an unreachable
 * daemon becomes one actionable Failure.
 */
import * as grpc from '@grpc/grpc-js';
import { loadCri } from '../cri/proto.js';
import { adminClient } from '../daemon/admin.js';
import { Failure } from './args.js';

export function grpcTarget(endpoint: string): string {
  return endpoint.startsWith('unix://') ? `unix:${endpoint.slice('unix://'.length)}` : endpoint;
}

type Unary = (req: unknown, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: unknown) => void) => void;

export class DaemonClient {
  readonly runtime: grpc.Client;
  readonly image: grpc.Client;
  readonly admin: ReturnType<typeof adminClient>;

  constructor(readonly endpoint: string) {
    const cri = loadCri();
    const target = grpcTarget(endpoint);
    this.runtime = new cri.runtime.v1.RuntimeService(target, grpc.credentials.createInsecure()) as unknown as grpc.Client;
    this.image = new cri.runtime.v1.ImageService(target, grpc.credentials.createInsecure()) as unknown as grpc.Client;
    this.admin = adminClient(endpoint);
  }

  /** One unary call: `await c.call('runtime', 'Status', { verbose: true })`. */
  call<R = any>(service: 'runtime' | 'image' | 'admin', method: string, req: unknown, timeoutMs = 30_000): Promise<R> {
    const client = this[service] as unknown as Record<string, Unary>;
    const fn = client[method];
    if (!fn) return Promise.reject(new Error(`no method ${method}`));
    return new Promise<R>((resolve, reject) => {
      fn.call(client, req, { deadline: Date.now() + timeoutMs }, (e, r) => (e ? reject(this.explain(e)) : resolve(r as R)));
    });
  }

  explain(e: grpc.ServiceError): Error {
    if (e.code === grpc.status.UNAVAILABLE || e.code === grpc.status.DEADLINE_EXCEEDED) {
      return new Failure(`cannot reach the daemon at ${this.endpoint}: ${e.details || e.message} (is "wincri serve" running? "wincri doctor" checks the node)`);
    }
    if (e.code === grpc.status.UNIMPLEMENTED) return new Failure(`${e.details || e.message} (the daemon is an older wincri?)`);
    return new Failure(e.details || e.message);
  }

  close(): void {
    this.runtime.close();
    this.image.close();
    this.admin.close();
  }
}

/** Runs `fn` with a client and always closes it. */
export async function withDaemon<T>(endpoint: string, fn: (c: DaemonClient) => Promise<T>): Promise<T> {
  const c = new DaemonClient(endpoint);
  try { return await fn(c); } finally { c.close(); }
}
