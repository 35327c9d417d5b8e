/**
 * The platform and IO keeper as the daemon's services see them, with every call timed into the current RPC's
 * clock (util/rpc-clock.ts); the platform time a keeper answer or error reports (its start) is counted as platform.
 * Waits for an exit (waitExit…) are not platform work and are not timed. Compute
 * systems returned by create/open are wrapped the same way; other returned objects (processes with stdio) are not.
 */
import type { Platform } from '../platform/types.js';
import { timed, creditPlatform, type OutsidePart } from '../util/rpc-clock.js';

const WRAP_RESULT = new Set(['createComputeSystem', 'openComputeSystem']);

function timedObject<T extends object>(target: T, part: OutsidePart): T {
  const cache = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(t, key) {
      const v = Reflect.get(t, key, t) as unknown;
      if (typeof v !== 'function' || typeof key !== 'string' || key.startsWith('wait') || key === 'close' || key === 'constructor') return v;
      let f = cache.get(key);
      if (!f) {
        f = (...args: unknown[]) => {
          const r = (v as (...a: unknown[]) => unknown).apply(t, args);
          if (!(r instanceof Promise)) return r;
          const p = part === 'keeper'
            ? timed(part, () => r).then((x) => { creditPlatform(part, x); return x; }, (e: unknown) => { creditPlatform(part, e); throw e; })
            : timed(part, () => r);
          return WRAP_RESULT.has(key) ? p.then((x) => (x && typeof x === 'object' ? timedObject(x as object, part) : x)) : p;
        };
        cache.set(key, f);
      }
      return f;
    },
  });
}

export function timedPlatform(p: Platform): Platform {
  return {
    name: p.name, host: p.host,
    compute: timedObject(p.compute, 'platform'), jobs: timedObject(p.jobs, 'platform'),
    network: timedObject(p.network, 'platform'), storage: timedObject(p.storage, 'platform'),
    ...(p.secureEndpoint ? { secureEndpoint: p.secureEndpoint.bind(p) } : {}),
    ...(p.diagnostics ? { diagnostics: p.diagnostics.bind(p) } : {}),
    close: () => p.close(),
  };
}

export function timedKeeper<T extends object>(k: T): T { return timedObject(k, 'keeper'); }
