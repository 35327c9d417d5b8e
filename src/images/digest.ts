/** sha256 digests (`sha256:<64 hex>`) and the layer chain ID. */
import { createHash } from 'node:crypto';

const SHA256 = /^sha256:[a-f0-9]{64}$/;

export function isSha256Digest(s: unknown): s is string {
  return typeof s === 'string' && SHA256.test(s);
}

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** The hex part of `sha256:<hex>`. */
export function hexOf(digest: string): string {
  if (!isSha256Digest(digest)) throw new Error(`not a sha256 digest: ${digest}`);
  return digest.slice('sha256:'.length);
}

/**
 * OCI chain IDs: ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)).
 * Returns one chain ID per layer, base first.
 */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? d : sha256Digest(`${prev} ${d}`));
  }
  return out;
}
