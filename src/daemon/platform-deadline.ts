/**
 * Per-call deadlines on the platform: an HCS/HCN/storage call that has not answered within `ms` fails with
 * HCS_E_OPERATION_TIMEOUT (→ DeadlineExceeded), so one hung call fails its own RPC and never wedges other pods.
 * The abandoned call keeps running in the service; if it succeeds late, what it did is undone (a system created
 * late is terminated, an endpoint deleted, …) so the RPC's rollback and the late result do not leave an orphan.
 * Not bounded: waits for exits (wait*), close, and layer imports (their time grows with the layer; pulls have
 * their own idle timeout).
 */
import type { Platform, ComputeSystem, ComputeProcess } from '../platform/types.js';
import { PlatformError, HRESULT } from '../platform/hresult.js';
import { logger } from '../util/log.js';
import { setLongTimeout } from '../util/long-timer.js';

const log = logger('platform');
const UNBOUNDED = new Set(['close', 'importLayer']);
const WRAP_RESULT = new Set(['createComputeSystem', 'openComputeSystem', 'createProcess', 'openProcess']);

type Undo = (target: any, args: unknown[], result: unknown) => Promise<unknown>;
const quietly = (p: Promise<unknown>) => p.catch(() => undefined);
const endSystem = async (s: ComputeSystem | ComputeProcess) => { await quietly(s.terminate()); await quietly(Promise.resolve((s as ComputeSystem).close?.())); };
const destroyStream = (s: unknown) => { if (s && typeof (s as { destroy?: unknown }).destroy === 'function') (s as { destroy(): void }).destroy(); };
const createdId = (r: unknown): string | undefined => {
  const id = r && typeof r === 'object' ? (r as { ID?: unknown }).ID : undefined;
  return typeof id === 'string' && id ? id : undefined;
};
/** What undoes a call that answered after its caller gave up. */
const UNDO: Record<string, Undo> = {
  createComputeSystem: (_t, _a, r) => endSystem(r as ComputeSystem),
  createProcess: (_t, _a, r) => endSystem(r as ComputeProcess),
  start: (t) => (t as ComputeSystem).terminate(),
  // A handle opened after its caller gave up: nobody would close it (and the platform keeps a stopped system, with
  // its record, while a handle to it is open).
  openComputeSystem: async (_t, _a, r) => (r as ComputeSystem).close(),
  openProcess: async (_t, _a, r) => (r as ComputeProcess).close(),
  // HNS objects: the id the platform answered with (a caller may pass '' and let HNS choose one).
  createNetwork: (t, a, r) => t.deleteNetwork(createdId(r) ?? a[0]),
  createEndpoint: (t, a, r) => t.deleteEndpoint(createdId(r) ?? a[1]),
  createNamespace: (t, a, r) => t.deleteNamespace(createdId(r) ?? a[0]),
  initializeWritableLayer: (t, a) => t.destroyLayer(a[0]),
  attachLayerStorageFilter: (t, a) => t.detachLayerStorageFilter(a[0]),
  // Stdio reopened after its caller gave up on it (a keeper's takeover): nobody reads or writes these streams.
  reopenOutput: async (_t, _a, r) => { for (const s of Object.values((r ?? {}) as Record<string, unknown>)) destroyStream(s); },
  reopenStdin: async (_t, _a, r) => destroyStream(r),
  // A port-forward connection dialled after its stream gave up: nobody pipes it (its relay would stay open).
  dialInNamespace: async (_t, _a, r) => destroyStream(r),
};

/** How a call on a returned system or process names its target: "start of compute system <id>". */
function ownerOf(key: string, x: object, args: unknown[]): string {
  const id = (x as { id?: unknown }).id ?? args[0];
  return key.endsWith('Process') ? `process ${String((x as { pid?: unknown }).pid ?? id)}` : `compute system ${String(id)}`;
}

function timeoutError(op: string, ms: number): PlatformError {
  return new PlatformError(HRESULT.HCS_E_OPERATION_TIMEOUT, op,
    `no answer from the platform within ${ms / 1000}s (limits.platformCallTimeoutSeconds); the call was abandoned and anything it does late is undone. ` +
    'Check that the host compute and network services (vmcompute, hns; on the emulator the emulator service and its service.log) respond, then retry');
}

export function withDeadline<T>(op: string, p: Promise<T>, ms: number, late?: (v: T) => Promise<unknown>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let expired = false;
    const timer = setLongTimeout(() => { expired = true; reject(timeoutError(op, ms)); }, ms);
    p.then((v) => {
      timer.clear();
      if (!expired) return resolve(v);
      log.warn('platform call answered after its deadline; undoing it', { operation: op });
      if (late) quietly(late(v).catch((e: Error) => log.warn('undoing a late platform call failed', { operation: op, error: e.message })));
    }, (e: unknown) => {
      timer.clear();
      if (!expired) return reject(e);
      log.info('platform call failed after its deadline; nothing to undo', { operation: op, error: (e as Error)?.message ?? String(e) });
    });
  });
}

function bounded<T extends object>(target: T, ms: number, owner = ''): T {
  const cache = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(t, key) {
      const v = Reflect.get(t, key, t) as unknown;
      if (typeof v !== 'function' || typeof key !== 'string' || key === 'constructor') return v;
      let f = cache.get(key);
      // Unbounded calls run on the target itself: called on the proxy, a wait's own helpers (a handle's private
      // request method) would come back through it and be bounded, failing a long wait after the deadline.
      if (!f && (key.startsWith('wait') || UNBOUNDED.has(key))) cache.set(key, f = (v as (...a: unknown[]) => unknown).bind(t));
      if (!f) {
        f = (...args: unknown[]) => {
          const r = (v as (...a: unknown[]) => unknown).apply(t, args);
          if (!(r instanceof Promise)) return r;
          const undo = UNDO[key];
          const p = withDeadline(owner ? `${key} of ${owner}` : key, r, ms, undo ? (res) => undo(t, args, res) : undefined);
          return WRAP_RESULT.has(key) ? p.then((x) => (x && typeof x === 'object' ? bounded(x as object, ms, ownerOf(key, x, args)) : x)) : p;
        };
        cache.set(key, f);
      }
      return f;
    },
  });
}

export function platformWithDeadlines(p: Platform, ms: number): Platform {
  return {
    name: p.name, host: p.host,
    compute: bounded(p.compute, ms), jobs: bounded(p.jobs, ms), network: bounded(p.network, ms), storage: bounded(p.storage, ms),
    ...(p.secureEndpoint ? { secureEndpoint: p.secureEndpoint.bind(p) } : {}),
    ...(p.diagnostics ? { diagnostics: p.diagnostics.bind(p) } : {}),
    close: () => p.close(),
  };
}
