/**
 * Pre-encoded list responses. kubelet's PLEG relists every second (ListPodSandbox + ListContainers); at 110 pods
 * protobuf encoding of the 220 objects was most of the daemon's time per relist (~1.7–3.6 ms on this machine,
 * more than containerd's whole relist). A list response is only its repeated field, and a repeated message field
 * encodes as the concatenation of one-item encodings, so each record's one-item encoding is kept (per record
 * object, reused while every field the CRI object is made of is the same object or value) and a response is the
 * concatenation. Responses without pre-encoded items go through the generated serializer unchanged.
 */
import type * as grpc from '@grpc/grpc-js';
import type { ContainerRecord, SandboxRecord } from '../runtime/model.js';
import type * as T from './generated/index.js';
import { loadCri } from './proto.js';
import { containerToCri, podSandboxToCri } from './convert.js';

const ENCODED = Symbol('wincri.encoded');
type Encoded = { [ENCODED]?: Buffer[] };

interface Entry { parts: unknown[]; bytes: Buffer }

function cacheFor<R extends object>(method: string, field: string, parts: (r: R) => unknown[], toCri: (r: R) => unknown) {
  const serialize = loadCri().runtime.v1.RuntimeService.service[method as 'ListContainers']!.responseSerialize as (v: unknown) => Buffer;
  const cache = new WeakMap<R, Entry>();
  return (r: R): Buffer => {
    const now = parts(r);
    const e = cache.get(r);
    if (e && e.parts.length === now.length && e.parts.every((p, i) => p === now[i])) return e.bytes;
    const bytes = serialize({ [field]: [toCri(r)] });
    cache.set(r, { parts: now, bytes });
    return bytes;
  };
}

// Every record field containerToCri / podSandboxToCri read (config objects are replaced, never edited in place).
const containerBytes = cacheFor<ContainerRecord>('ListContainers', 'containers',
  (c) => [c.id, c.sandboxId, c.config, c.imageName, c.imageRef, c.imageId, c.state, c.createdAt], containerToCri);
const sandboxBytes = cacheFor<SandboxRecord>('ListPodSandbox', 'items',
  (s) => [s.id, s.config, s.state, s.createdAt, s.runtimeHandler], podSandboxToCri);

export function containersResponse(items: ContainerRecord[]): T.ListContainersResponse {
  return Object.assign({ containers: items.map(containerToCri) }, { [ENCODED]: items.map(containerBytes) });
}

export function sandboxesResponse(items: SandboxRecord[]): T.ListPodSandboxResponse {
  return Object.assign({ items: items.map(podSandboxToCri) }, { [ENCODED]: items.map(sandboxBytes) });
}

/** The RuntimeService definition with list serializers that use the pre-encoded items when present. */
export function withEncodedLists(def: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = { ...def };
  for (const m of ['ListContainers', 'ListPodSandbox']) {
    const orig = def[m]!;
    const serialize = orig.responseSerialize;
    out[m] = { ...orig, responseSerialize: (v: unknown) => { const enc = (v as Encoded)[ENCODED]; return enc ? Buffer.concat(enc) : serialize(v); } };
  }
  return out as grpc.ServiceDefinition;
}
