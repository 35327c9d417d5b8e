/** The bytes of one layer for a pull: foreign URLs first (when allowed), then the endpoint that resolved the image, then the others; a source that failed before its first byte gives way to the next. */
import { logger } from '../../util/log.js';
import { errorMessage } from '../../errors.js';
import { MT, type Descriptor } from '../oci.js';
import type { RegistryClient } from './registry.js';
import type { Endpoint } from './endpoints.js';
import { cancelledError, toDomainError } from './errors.js';

const log = logger('images/pull');

export const FOREIGN_TYPES: readonly string[] = [MT.dockerForeignLayer, MT.ociLayerNondist, MT.ociLayerNondistGzip];

/** Bytes of one layer, in batches of chunks: foreign URLs first (when allowed), then the resolving endpoint, then the others. */
export async function* layerSource(client: RegistryClient, allowForeignLayers: boolean, eps: Endpoint[], first: Endpoint, repo: string, desc: Descriptor, signal: AbortSignal): AsyncGenerator<Buffer[]> {
  const sources: { name: string; open: () => AsyncGenerator<Buffer[]> }[] = [];
  if (allowForeignLayers && desc.urls?.length && FOREIGN_TYPES.includes(desc.mediaType)) {
    for (const u of desc.urls) sources.push({ name: new URL(u).origin, open: () => client.url(u, desc.size, signal) });
  }
  for (const e of [first, ...eps.filter((x) => x !== first)]) {
    sources.push({ name: e.base, open: () => client.blob(e, repo, desc.digest, desc.size, signal) });
  }
  let last: unknown;
  for (const s of sources) {
    let yielded = false;
    try {
      for await (const c of s.open()) { yielded = true; yield c; }
      return;
    } catch (e) {
      if (signal.aborted) throw cancelledError(signal);
      if (yielded) throw toDomainError(e, `layer ${desc.digest} from ${s.name}`);
      last = e;
      log.info('layer source failed; trying the next', { layer: desc.digest, source: s.name, err: errorMessage(e) });
    }
  }
  throw toDomainError(last, `layer ${desc.digest}`);
}
