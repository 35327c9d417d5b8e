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

export const ADMIN_SERVICE: grpc.ServiceDefinition = {
  ImportImage: {
    path: '/wincri.admin.v1.Admin/ImportImage', requestStream: false, responseStream: false,
    requestSerialize: json.serialize, requestDeserialize: json.deserialize,
    responseSerialize: json.serialize, responseDeserialize: json.deserialize,
  },
};

export function addAdminService(server: grpc.Server, importArchive: (path: string) => Promise<ImportImageResponse['images']>): void {
  server.addService(ADMIN_SERVICE, {
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

export function adminClient(endpoint: string): grpc.Client & { ImportImage: (req: ImportImageRequest, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: ImportImageResponse) => void) => void } {
  const Ctor = grpc.makeGenericClientConstructor(ADMIN_SERVICE, 'Admin');
  const target = endpoint.startsWith('unix://') ? `unix:${endpoint.slice('unix://'.length)}` : endpoint;
  return new Ctor(target, grpc.credentials.createInsecure()) as never;
}
