/**
 * A decorator around the Platform: every method of ComputeService, ComputeSystem, ComputeProcess, NetworkService
 * and StorageService reports its latency and outcome (HRESULT name on failure) to `observe`. Objects a method
 * returns (compute systems, processes) are wrapped too. Nothing else changes: same values, same errors.
 */
import type { Platform } from '../../platform/types.js';
import { isPlatformError } from '../../platform/hresult.js';

export type PlatformService = 'compute' | 'system' | 'process' | 'network' | 'storage';
/** `error` is the HRESULT name of a PlatformError, `other` for any other failure, undefined on success. */
export type PlatformObserver = (service: PlatformService, operation: string, seconds: number, error?: string) => void;

/** Methods that are not service calls (handle bookkeeping, event subscriptions, waits on exit). */
const UNTIMED = new Set(['close', 'onEvent', 'waitExit', 'constructor']);

function errorName(e: unknown): string {
  return isPlatformError(e) ? e.code : 'other';
}

function wrap<T extends object>(target: T, service: PlatformService, observe: PlatformObserver): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      const v = Reflect.get(t, prop, receiver) as unknown;
      if (typeof v !== 'function' || typeof prop !== 'string') return v;
      const fn = v as (...a: unknown[]) => unknown;
      if (UNTIMED.has(prop)) return fn.bind(t);
      return (...args: unknown[]) => {
        const start = performance.now();
        const secs = () => (performance.now() - start) / 1000;
        let r: unknown;
        try {
          r = fn.apply(t, args);
        } catch (e) {
          observe(service, prop, secs(), errorName(e));
          throw e;
        }
        if (!(r instanceof Promise)) { observe(service, prop, secs()); return r; }
        return r.then((res: unknown) => {
          observe(service, prop, secs());
          if (prop === 'createComputeSystem' || prop === 'openComputeSystem') return wrap(res as object, 'system', observe);
          if (prop === 'createProcess' || prop === 'openProcess') return wrap(res as object, 'process', observe);
          return res;
        }, (e: unknown) => { observe(service, prop, secs(), errorName(e)); throw e; });
      };
    },
  });
}

export function instrumentPlatform(p: Platform, observe: PlatformObserver): Platform {
  const compute = wrap(p.compute, 'compute', observe);
  const network = wrap(p.network, 'network', observe);
  const storage = wrap(p.storage, 'storage', observe);
  return new Proxy(p, {
    get(t, prop, receiver) {
      if (prop === 'compute') return compute;
      if (prop === 'network') return network;
      if (prop === 'storage') return storage;
      const v = Reflect.get(t, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}
