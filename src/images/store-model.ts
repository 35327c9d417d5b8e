/** What the image store records: images, their layers, and the options and leases of its callers. */
import type { RemoteInput } from './unpack-remote.js';
import type { StorageService } from '../platform/types.js';
import type { ImageConfigInfo, Descriptor } from './oci.js';

export interface ImageRecord {
  /** Config digest `sha256:<hex>`. */
  id: string;
  /** Normalised `registry/repo:tag`. */
  repoTags: string[];
  /** Normalised `registry/repo@sha256:<manifest or index digest>`. */
  repoDigests: string[];
  /** Compressed layer sizes + config size (> 0). */
  size: number;
  /** From config User when numeric (user part of `user:group`). */
  uid?: number;
  /** From config User when not numeric (user part of `user:group`). */
  username?: string;
  pinned: boolean;
  config: ImageConfigInfo;
  /** Layer blobs, base first. */
  layers: Descriptor[];
  /** Diff IDs and chain IDs, base first. */
  diffIds: string[];
  chainIds: string[];
  /** Digest of the manifest this image was read from, when known. */
  manifestDigest?: string;
  /** Every blob this image keeps alive (index/manifest/config/layers). */
  blobs: string[];
  /** ISO time of first import. */
  createdAt: string;
}

export interface LayerMeta {
  chainId: string;
  diffId: string;
  parent?: string;
  usedBytes: number;
  inodesUsed: number;
}

export interface Metadata {
  version: 1;
  images: Record<string, ImageRecord>;
  layers: Record<string, LayerMeta>;
  /** containerId → imageId */
  uses: Record<string, string>;
}

export interface StoreOptions {
  root: string;
  storage: StorageService;
  maxLayerBytes?: number;
  /** A pulled layer's compressed blob is only hashed (never written to the store) when it is unpacked and imported as it arrives. */
  discardUnpackedLayers?: boolean;
}

export interface Lease {
  readonly blobs: Set<string>;
  readonly chains: Set<string>;
  release(): void;
}

export interface StreamingOptions {
  /** A missing layer's blob, as a registry download the unpack worker makes itself (unpack-remote.ts). */
  remote: (desc: Descriptor, index: number) => RemoteInput;
  /** Layers streamed at once. */
  concurrency: number;
  signal?: AbortSignal;
  /** Called with the size of every chunk received. */
  onProgress?: (bytes: number) => void;
  /** Called when a layer is in the store (imported now or already there). */
  onLayerDone?: (index: number) => void;
}

export interface CommitInput {
  config: Buffer;
  layers: Descriptor[];
  manifestDigest?: string;
  /** Further blobs the image keeps (e.g. the index that named it). */
  extraBlobs?: string[];
  repoTags?: string[];
  repoDigests?: string[];
}

/** uid / username from a config User (`name`, `1000`, `name:group`, `1000:1000`). */
export function userOf(user: string | undefined): { uid?: number; username?: string } {
  if (!user) return {};
  const u = user.split(':')[0]!;
  if (/^[0-9]+$/.test(u)) return { uid: Number(u) };
  return u ? { username: u } : {};
}
