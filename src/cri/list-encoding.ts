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

/**
 * `copy` snapshots the record fields the CRI object is made of; `same` compares a snapshot with the record. The
 * entry sits on the record itself, under a symbol of this cache, not enumerable (so neither JSON nor a spread copy
 * of the record carries it): a property read per item where a WeakMap lookup was a third of the list code's time.
 */
function cacheFor<R extends object>(method: string, field: string, copy: (r: R) => R, same: (a: R, b: R) => boolean, toCri: (r: R) => unknown) {
  const serialize = loadCri().runtime.v1.RuntimeService.service[method as 'ListContainers']!.responseSerialize as (v: unknown) => Buffer;
  const key = Symbol(`wincri.encoded.${field}`);
  return (r: R): Buffer => {
    const e = (r as Record<symbol, Entry<R> | undefined>)[key];
    if (e !== undefined && same(e.seen, r)) return e.bytes;
    const bytes = serialize({ [field]: [toCri(r)] });
    Object.defineProperty(r, key, { value: { seen: copy(r), bytes }, writable: true, enumerable: false, configurable: true });
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

/**
 * A list answer: the items' encodings, and the list field, converted only when something other than the serializer
 * reads it (a getter on the class, not a property defined per answer: defineProperty on each relist's answer was
 * the largest single cost of wincri's own list code in a profile).
 */
abstract class EncodedAnswer<R, C> {
  readonly [ENCODED]: Buffer[];
  #list: C[] | undefined;
  constructor(private readonly records: R[], bytes: (r: R) => Buffer, private readonly toCri: (r: R) => C) { this[ENCODED] = records.map(bytes); }
  protected list(): C[] { return (this.#list ??= this.records.map(this.toCri)); }
}

class ContainersAnswer extends EncodedAnswer<ContainerRecord, T.Container> {
  constructor(items: ContainerRecord[]) { super(items, containerBytes, containerToCri); }
  get containers(): T.Container[] { return this.list(); }
}

class SandboxesAnswer extends EncodedAnswer<SandboxRecord, T.PodSandbox> {
  constructor(items: SandboxRecord[]) { super(items, sandboxBytes, podSandboxToCri); }
  get items(): T.PodSandbox[] { return this.list(); }
}

export function containersResponse(items: ContainerRecord[]): T.ListContainersResponse {
  return new ContainersAnswer(items);
}

export function sandboxesResponse(items: SandboxRecord[]): T.ListPodSandboxResponse {
  return new SandboxesAnswer(items);
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
