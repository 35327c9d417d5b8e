/**
 * A pull's manifest: the reference resolved at the first endpoint that has it (mirrors in order, then the host),
 * then manifest lists / indexes followed to the manifest for this host (platform-select.ts), each size-checked.
 */
import { logger } from '../../util/log.js';
import { RuntimeError, invalidArgument, notFound, errorMessage } from '../../errors.js';
import type { HostPlatform } from '../import.js';
import { parseManifestOrIndex, ImageFormatError, type Manifest } from '../oci.js';
import { selectManifest, type Isolation } from './platform-select.js';
import type { RegistryClient } from './registry.js';
import type { Endpoint } from './endpoints.js';
import { HttpStatusError, cancelledError, toDomainError } from './errors.js';

const log = logger('images/pull');

export interface Resolved {
  /** The endpoint that answered (the layers are fetched there first). */
  at: Endpoint;
  /** The digest of what the reference named (the repo digest recorded). */
  topDigest: string;
  /** The indexes passed through on the way (stored with the image). */
  indexBlobs: { data: Buffer; digest: string }[];
  manifest: Manifest;
  manifestData: Buffer;
  manifestDigest: string;
}

export interface ResolveInput {
  client: RegistryClient;
  host: HostPlatform;
  isolation: Isolation;
  eps: Endpoint[];
  repo: string;
  /** A tag or a digest. */
  reference: string;
  /** The image as named in messages. */
  label: string;
  signal: AbortSignal;
}

/** The manifest for this host; NotFound when no endpoint has the reference, the last endpoint's error otherwise. */
export async function resolveManifest(r: ResolveInput): Promise<Resolved> {
  const { client, eps, repo, reference, label, signal } = r;
  let ep: Endpoint | undefined;
  let top: { data: Buffer; mediaType?: string; digest: string } | undefined;
  const failures: { ep: Endpoint; err: unknown }[] = [];
  for (const e of eps) {
    try {
      top = await client.manifest(e, repo, reference, signal);
      ep = e;
      break;
    } catch (err) {
      if (signal.aborted) throw cancelledError(signal);
      failures.push({ ep: e, err });
      if (e.mirror) log.info('mirror failed; trying the next endpoint', { mirror: e.base, err: errorMessage(err) });
    }
  }
  if (!ep || !top) {
    const last = failures[failures.length - 1]!;
    if (failures.every((f) => f.err instanceof HttpStatusError && f.err.status === 404)) {
      throw notFound(`image ${label} not found: ${failures.map((f) => `${f.ep.base} has no manifest ${reference}`).join('; ')}`);
    }
    const tried = failures.length > 1 ? ` (mirrors tried first: ${failures.slice(0, -1).map((f) => `${f.ep.base}: ${errorMessage(f.err)}`).join('; ')})` : '';
    const err = toDomainError(last.err, `pulling ${label}`);
    throw new RuntimeError((err as RuntimeError).kind ?? 'Unavailable', err.message + tried);
  }
  const at = ep;

  // Manifest list / index → the manifest for this host.
  const indexBlobs: { data: Buffer; digest: string }[] = [];
  let manifest: Manifest | undefined;
  let current = { ...top, descType: top.mediaType };
  try {
    for (let depth = 0; depth < 4; depth++) {
      const parsed = parseManifestOrIndex(current.data, `manifest ${current.digest} of ${label}`, current.descType);
      if ('manifest' in parsed) { manifest = parsed.manifest; break; }
      indexBlobs.push({ data: current.data, digest: current.digest });
      const chosen = selectManifest(parsed.index.manifests, r.host, r.isolation, label);
      const got = await client.manifest(at, repo, chosen.digest, signal);
      if (got.data.length !== chosen.size) throw invalidArgument(`manifest ${chosen.digest} of ${label}: size mismatch: expected ${chosen.size} bytes, received ${got.data.length}`);
      current = { ...got, descType: got.mediaType ?? chosen.mediaType };
    }
  } catch (e) {
    if (e instanceof ImageFormatError) throw invalidArgument(e.message);
    throw toDomainError(e, `pulling ${label}`);
  }
  if (!manifest) throw invalidArgument(`${label}: manifest indexes nested too deeply`);
  return { at, topDigest: top.digest, indexBlobs, manifest, manifestData: current.data, manifestDigest: current.digest };
}
