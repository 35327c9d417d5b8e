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

interface Entry<R> { seen: R; bytes: Buffer }

/** `copy` snapshots the record fields the CRI object is made of; `same` compares a snapshot with the record. */
function cacheFor<R extends object>(method: string, field: string, copy: (r: R) => R, same: (a: R, b: R) => boolean, toCri: (r: R) => unknown) {
  const serialize = loadCri().runtime.v1.RuntimeService.service[method as 'ListContainers']!.responseSerialize as (v: unknown) => Buffer;
  const cache = new WeakMap<R, Entry<R>>();
  return (r: R): Buffer => {
    const e = cache.get(r);
    if (e && same(e.seen, r)) return e.bytes;
    const bytes = serialize({ [field]: [toCri(r)] });
    cache.set(r, { seen: copy(r), bytes });
    return bytes;
  };
}

// Every record field containerToCri / podSandboxToCri read (config objects are replaced, never edited in place).
const containerBytes = cacheFor<ContainerRecord>('ListContainers', 'containers', (c) => ({ ...c }),
  (a, b) => a.state === b.state && a.config === b.config && a.id === b.id && a.sandboxId === b.sandboxId && a.imageName === b.imageName
    && a.imageRef === b.imageRef && a.imageId === b.imageId && a.createdAt === b.createdAt, containerToCri);
const sandboxBytes = cacheFor<SandboxRecord>('ListPodSandbox', 'items', (s) => ({ ...s }),
  (a, b) => a.state === b.state && a.config === b.config && a.id === b.id && a.createdAt === b.createdAt && a.runtimeHandler === b.runtimeHandler,
  podSandboxToCri);

/** The response's list field is converted only when something other than the serializer reads it. */
function lazyList<R, C>(field: string, items: R[], toCri: (r: R) => C, bytes: (r: R) => Buffer): Record<string, C[]> & Encoded {
  let list: C[] | undefined;
  const res = { [ENCODED]: items.map(bytes) } as Record<string, C[]> & Encoded;
  Object.defineProperty(res, field, { enumerable: true, get: () => (list ??= items.map(toCri)) });
  return res;
}

export function containersResponse(items: ContainerRecord[]): T.ListContainersResponse {
  return lazyList('containers', items, containerToCri, containerBytes) as T.ListContainersResponse;
}

export function sandboxesResponse(items: SandboxRecord[]): T.ListPodSandboxResponse {
  return lazyList('items', items, podSandboxToCri, sandboxBytes) as T.ListPodSandboxResponse;
}

/**
 * Concatenates item encodings, reusing the last response's bytes when every item is the very same Buffer in the
 * same order (the common relist: nothing changed since the previous one), so no copy of the whole list is made.
 */
function joiner(): (parts: Buffer[]) => Buffer {
  let last: Buffer[] = [];
  let whole = Buffer.alloc(0);
  return (parts) => {
    if (parts.length !== last.length || parts.some((b, i) => b !== last[i])) {
      last = parts;
      whole = Buffer.concat(parts);
    }
    return whole;
  };
}

/** The RuntimeService definition with list serializers that use the pre-encoded items when present. */
export function withEncodedLists(def: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = { ...def };
  for (const m of ['ListContainers', 'ListPodSandbox']) {
    const orig = def[m]!;
    const serialize = orig.responseSerialize;
    const join = joiner();
    out[m] = { ...orig, responseSerialize: (v: unknown) => { const enc = (v as Encoded)[ENCODED]; return enc ? join(enc) : serialize(v); } };
  }
  return out as grpc.ServiceDefinition;
}
