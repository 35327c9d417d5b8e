/** Layer identities for Storage.Layers / LayerData.Layers. */
import { createHash } from 'node:crypto';
import type { LayerDataDoc } from '../schema/index.js';

/**
 * Fixed namespace for layer ids (a random v4 GUID chosen for wincri). Windows derives a layer's Id from its
 * folder name with vmcompute's NameToGuid, whose algorithm is undocumented; wincri instead uses a UUIDv5
 * (RFC 4122 §4.3, SHA-1) of the folder base name in this namespace. The id only has to be stable and
 * distinct per layer folder, which a v5 UUID guarantees; it does not equal what NameToGuid would return.
 */
export const LAYER_ID_NAMESPACE = '8c7f3b4e-2d1a-4f6b-9e5c-3a0b7d9e1f42';

/** Deterministic GUID (lower case, no braces) of a layer folder, from its base name. */
export function layerId(folderPath: string): string {
  const trimmed = folderPath.replace(/[\\/]+$/, '');
  const base = trimmed.slice(Math.max(trimmed.lastIndexOf('\\'), trimmed.lastIndexOf('/')) + 1);
  return uuidV5(LAYER_ID_NAMESPACE, base);
}

/** RFC 4122 name-based UUID, version 5. */
export function uuidV5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/[{}-]/g, ''), 'hex');
  if (ns.length !== 16) throw new Error(`invalid namespace GUID ${namespace}`);
  const h = createHash('sha1').update(ns).update(Buffer.from(name, 'utf8')).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** LayerData for computestorage calls: parent layer folders, top-most first, base last. */
export function buildLayerData(layerFolders: readonly string[]): LayerDataDoc {
  return { SchemaVersion: { Major: 2, Minor: 1 }, Layers: layerFolders.map((p) => ({ Id: layerId(p), Path: p })) };
}
