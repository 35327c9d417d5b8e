/**
 * A layer download on the unpack worker (unpack-thread.ts): the worker fetches the blob itself — same endpoints,
 * TLS, mirrors, redirects, retries and resumption as the daemon (a RegistryClient of its own, kept for the
 * worker's next layers so its connections stay open), authorised through the daemon's authorizer (auth-relay.ts)
 * — so the socket buffers of the download never reach the daemon's heap. The size is checked here; the digest
 * by the worker's blob tee and the caller.
 */
import type { Descriptor } from '../oci.js';
import type { Endpoint } from './endpoints.js';
import { RegistryClient, type ClientSettings } from './registry.js';
import { RelayedAuthorizer, type AuthRequest } from './auth-relay.js';
import { layerSource } from './layer-source.js';
import { sizeChecked } from '../size-checked.js';

/**
 * What a worker needs to fetch one layer (structured-cloneable). Its endpoints carry no credentials, only flags
 * (endpoints.ts withoutSecrets): the daemon authorises each request (auth-relay.ts). Their TLS material, the
 * client key included, does travel: the worker makes the TLS connections itself (accepted; see withoutSecrets).
 */
export interface RemoteLayerSpec {
  eps: Endpoint[];
  /** Index in `eps` of the endpoint that resolved the image (tried first). */
  first: number;
  repo: string;
  desc: Descriptor;
  allowForeignLayers: boolean;
  client: ClientSettings;
}

let kept: { key: string; client: RegistryClient; relay: RelayedAuthorizer } | undefined;

/** The worker's client for these settings (the previous one is closed when the settings differ). */
function clientFor(settings: ClientSettings): { client: RegistryClient; relay: RelayedAuthorizer } {
  const key = JSON.stringify(settings);
  if (kept?.key !== key) {
    kept?.client.close();
    const relay = new RelayedAuthorizer();
    kept = { key, client: new RegistryClient({ registries: {}, ...settings }, relay), relay };
  }
  return kept;
}

/** The client's answers to `send`'s requests (AuthReply messages) go to this. */
export function relayReply(m: Parameters<RelayedAuthorizer['reply']>[0]): void {
  kept?.relay.reply(m);
}

/**
 * The layer's bytes, in batches of the chunks that arrived together, checked against the descriptor's size:
 * InvalidArgument as soon as the registry sends more, or when it ends short. `send` carries the auth requests to
 * the daemon.
 */
export async function* remoteLayer(spec: RemoteLayerSpec, signal: AbortSignal, send: (m: AuthRequest) => void): AsyncGenerator<Buffer[]> {
  const { client, relay } = clientFor(spec.client);
  // Cloned endpoints with Uint8Array TLS material: Buffers again for the TLS options.
  const eps = spec.eps.map((e) => ({ ...e, tls: { ca: buf(e.tls.ca), cert: buf(e.tls.cert), key: buf(e.tls.key) } }));
  relay.bind(eps, send);
  try {
    yield* sizeChecked(layerSource(client, spec.allowForeignLayers, eps, eps[spec.first]!, spec.repo, spec.desc, signal), spec.desc);
  } finally {
    relay.unbind();
  }
}

/** The job ended (unpack-thread.ts): the relay lets go of its endpoints, whether or not the download ran to its end. */
export function endRemoteJob(): void {
  kept?.relay.unbind();
}

const buf = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b.buffer, b.byteOffset, b.byteLength));
