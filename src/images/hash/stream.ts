/**
 * One SHA-256 over a stream of bytes, hashed on the calling thread (localHash) or on a hash ring's thread
 * (ringHash: ring.ts). update() returns a promise only when the caller must wait before its next update; the
 * bytes of an update that returned nothing were taken (the caller may reuse its buffer).
 */
import { createHash } from 'node:crypto';
import type { HashRing } from './ring.js';

export interface StreamHash {
  update(b: Uint8Array): Promise<void> | undefined;
  /** `sha256:<hex>` of every byte given; the hash ends. */
  digest(): Promise<string>;
  /** `sha256:<hex>` of the bytes given so far; the hash goes on. */
  digestSoFar(): Promise<string>;
  /** Gives up the hash (its stream failed); no call may follow. */
  release(): void;
}

const hex = (b: Buffer) => `sha256:${b.toString('hex')}`;

export function localHash(): StreamHash {
  const h = createHash('sha256');
  return {
    update: (b) => { h.update(b); return undefined; },
    digest: async () => hex(h.digest()),
    digestSoFar: async () => hex(h.copy().digest()),
    release: () => undefined,
  };
}

/** A hash on the ring's thread, or on this thread when the ring has no stream free. */
export async function ringHash(ring: HashRing): Promise<StreamHash> {
  const tag = await ring.open();
  if (tag === undefined) return localHash();
  let open = true;
  const close = () => { if (open) { open = false; ring.close(tag); } };
  return {
    update: (b) => ring.put(tag, b),
    digest: async () => { try { return hex(await ring.digest(tag, true)); } finally { close(); } },
    digestSoFar: async () => hex(await ring.digest(tag, false)),
    release: close,
  };
}
