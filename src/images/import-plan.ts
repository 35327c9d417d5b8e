/**
 * What an archive's layout (OCI: import-oci.ts, docker save: import-docker.ts) says about one image to import,
 * checked before anything is stored (import.ts executes the plans only once all of them are made).
 */
import { hexOf } from './digest.js';
import type { Descriptor, ImageConfigInfo } from './oci.js';
import { parseReference, withDefaultTag, tagString } from './reference.js';

/** One image to import. */
export interface Plan {
  names: string[];
  repoDigests: string[];
  /** archive-relative file → expected digest/size (undefined digest: compute) */
  config: { file: string; digest?: string; size?: number };
  layers: { file: string; desc: Descriptor }[];
  manifest?: { file: string; digest: string; size: number };
  extra: { file: string; digest: string; size: number }[];
  configInfo: ImageConfigInfo;
  configData: Buffer;
}

/** Where an OCI layout keeps the blob of `digest`. */
export function blobFile(digest: string): string {
  return `blobs/sha256/${hexOf(digest)}`;
}

/** The tag name an image is recorded under (`:latest` added); undefined for a reference by digest alone. */
export function tagOf(n: string): string | undefined {
  const r = parseReference(n);
  if (r.tag === undefined && r.digest !== undefined) return undefined;
  return tagString(withDefaultTag({ ...r, digest: undefined } as typeof r));
}
