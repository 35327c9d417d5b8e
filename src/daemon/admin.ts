/**
 * wincri's own admin RPCs (image import for air-gapped nodes), served on the CRI endpoint next to CRI.
 * Messages are JSON-encoded; the service is private to the wincri CLI.
 */
import * as grpc from '@grpc/grpc-js';
import { toServiceError } from '../cri/errors.js';
import { logger } from '../util/log.js';

const log = logger('admin');

const json = {
  serialize: (o: unknown) => Buffer.from(JSON.stringify(o)),
  deserialize: (b: Buffer) => JSON.parse(b.toString('utf8')) as unknown,
};

export interface ImportImageRequest { path: string }
export interface ImportImageResponse { images: { id: string; names: string[] }[] }

export interface PullImageRequest { ref: string; username?: string; password?: string }
export interface PullImageResponse { id: string; repoTags: string[]; repoDigests: string[]; bytes: number; seconds: number }
/** What CRI does not say: the daemon's identity, host and configuration in effect (secrets masked). */
export interface InfoResponse {
  version: string; backend: string; osVersion: string; architecture: string; endpoint: string; pid: number;
  node: string; config: Record<string, unknown>; runtimeHandlers: string[];
  /** Isolation of each named handler ("" is process). */
  handlerIsolation?: Record<string, string>;
}
/** The daemon's records, for `wincri doctor --leaks`: what owns which platform object right now. */
export interface InventoryResponse {
  sandboxes: { id: string; state: string; namespaceId?: string }[];
  containers: { id: string; sandboxId: string; state: string }[];
  /** HNS namespaces this runtime created (markers), including those of pods being created. */
  ownedNamespaces: string[];
  /** Container IDs with a credential guard marker: instances this runtime added (absent from older daemons). */
  ownedCredentialGuards?: string[];
  /** IDs of pods and containers being created right now (reserved, not yet recorded): their objects are not leaks. */
  creating: string[];
}
export interface AdminExtras { info?: () => Promise<InfoResponse>; inventory?: () => Promise<InventoryResponse> }

/** Per-layer progress of a pull (PullImageWatch streams these, then the result). */
export interface PullProgressMessage { ref: string; layers: { digest: string; size: number; received: number; done: boolean }[]; bytes: number; totalBytes: number; seconds: number }
export type PullWatchMessage = { progress: PullProgressMessage } | { result: PullImageResponse };

export type PullFn = (ref: string, creds: { username: string; password: string } | undefined, signal: AbortSignal, onProgress?: (p: PullProgressMessage) => void) => Promise<PullImageResponse>;

const unary = (name: string) => ({
  path: `/wincri.admin.v1.Admin/${name}`, requestStream: false, responseStream: false,
  requestSerialize: json.serialize, requestDeserialize: json.deserialize,
  responseSerialize: json.serialize, responseDeserialize: json.deserialize,
});

export const ADMIN_SERVICE: grpc.ServiceDefinition = {
  ImportImage: unary('ImportImage'),
  PullImage: unary('PullImage'),
  Info: unary('Info'),
  Inventory: unary('Inventory'),
  PullImageWatch: { ...unary('PullImageWatch'), responseStream: true },
};

/** A no-argument RPC answered by `fn`, or UNIMPLEMENTED when the daemon has none. */
function simple<R>(name: string, fn: (() => Promise<R>) | undefined) {
  return (_call: grpc.ServerUnaryCall<unknown, R>, cb: grpc.sendUnaryData<R>) => {
    if (!fn) { cb({ code: grpc.status.UNIMPLEMENTED, details: `${name} is not available` } as grpc.ServiceError); return; }
    fn().then((r) => cb(null, r), (e) => cb(toServiceError(e) as grpc.ServiceError));
  };
}

export function addAdminService(server: grpc.Server, importArchive: (path: string) => Promise<ImportImageResponse['images']>, pull?: PullFn, extras: AdminExtras = {}): void {
  server.addService(ADMIN_SERVICE, {
    Info: simple('Info', extras.info),
    Inventory: simple('Inventory', extras.inventory),
    PullImage: (call: grpc.ServerUnaryCall<PullImageRequest, PullImageResponse>, cb: grpc.sendUnaryData<PullImageResponse>) => {
      const r = call.request;
      if (!pull) { cb({ code: grpc.status.UNIMPLEMENTED, details: 'pull is not available' } as grpc.ServiceError); return; }
      if (typeof r?.ref !== 'string' || !r.ref) { cb({ code: grpc.status.INVALID_ARGUMENT, details: 'ref is required' } as grpc.ServiceError); return; }
      const ac = new AbortController();
      call.on('cancelled', () => ac.abort());
      const creds = typeof r.username === 'string' ? { username: r.username, password: typeof r.password === 'string' ? r.password : '' } : undefined;
      pull(r.ref, creds, ac.signal).then(
        (res) => cb(null, res),
        (e) => { log.info('image pull failed', { ref: r.ref, error: (e as Error).message }); cb(toServiceError(e) as grpc.ServiceError); },
      );
    },
    PullImageWatch: (call: grpc.ServerWritableStream<PullImageRequest, PullWatchMessage>) => {
      const r = call.request;
      const fail = (code: grpc.status, details: string) => call.emit('error', { code, details } as grpc.ServiceError);
      if (!pull) return fail(grpc.status.UNIMPLEMENTED, 'pull is not available');
      if (typeof r?.ref !== 'string' || !r.ref) return fail(grpc.status.INVALID_ARGUMENT, 'ref is required');
      const ac = new AbortController();
      call.on('cancelled', () => ac.abort());
      const creds = typeof r.username === 'string' ? { username: r.username, password: typeof r.password === 'string' ? r.password : '' } : undefined;
      pull(r.ref, creds, ac.signal, (progress) => { if (!call.writableEnded) call.write({ progress }); }).then(
        (result) => { call.write({ result }); call.end(); },
        (e) => { log.info('image pull failed', { ref: r.ref, error: (e as Error).message }); call.emit('error', toServiceError(e)); },
      );
    },
    ImportImage: (call: grpc.ServerUnaryCall<ImportImageRequest, ImportImageResponse>, cb: grpc.sendUnaryData<ImportImageResponse>) => {
      const path = call.request?.path;
      if (typeof path !== 'string' || !path) {
        cb({ code: grpc.status.INVALID_ARGUMENT, details: 'path is required' } as grpc.ServiceError);
        return;
      }
      importArchive(path).then(
        (images) => { log.info('image archive imported', { path, images: images.map((i) => i.id) }); cb(null, { images }); },
        (e) => { log.info('image import failed', { path, error: (e as Error).message }); cb(toServiceError(e) as grpc.ServiceError); },
      );
    },
  });
}

export function adminClient(endpoint: string): grpc.Client & {
  ImportImage: (req: ImportImageRequest, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: ImportImageResponse) => void) => void;
  PullImage: (req: PullImageRequest, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: PullImageResponse) => void) => void;
  Info: (req: object, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: InfoResponse) => void) => void;
  Inventory: (req: object, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: InventoryResponse) => void) => void;
  PullImageWatch: (req: PullImageRequest, opts: grpc.CallOptions) => grpc.ClientReadableStream<PullWatchMessage>;
} {
  const Ctor = grpc.makeGenericClientConstructor(ADMIN_SERVICE, 'Admin');
  const target = endpoint.startsWith('unix://') ? `unix:${endpoint.slice('unix://'.length)}` : endpoint;
  return new Ctor(target, grpc.credentials.createInsecure()) as never;
}
