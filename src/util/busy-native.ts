/**
 * The process's BusyTrim (busy-trim.ts): created with the idle collection's IdleTrim (idle-gc.ts), told when work
 * ends and when the idle collection has trimmed. Memory outside V8's heap is RSS − V8's committed heap
 * (`process.memoryUsage()`, read at most once per check). Null where the C heap cannot be trimmed (native-trim.ts)
 * or where `WINCRI_BUSY_TRIM=0` switches it off (comparisons; the idle trim stays).
 */
import { BusyTrim } from './busy-trim.js';
import { nativeTrimAvailable, trimNativeHeapOffThread } from './native-trim.js';

export function createBusyTrim(env: NodeJS.ProcessEnv = process.env): BusyTrim | null {
  if (env.WINCRI_BUSY_TRIM === '0' || !nativeTrimAvailable()) return null;
  return new BusyTrim({
    now: Date.now,
    nativeBytes: () => { const m = process.memoryUsage(); return m.rss - m.heapTotal; },
    trim: () => trimNativeHeapOffThread() ?? Promise.resolve(false),
    defer: (fn) => { setImmediate(fn); },
    setTimer: (fn, ms) => { setTimeout(fn, ms).unref(); },
  });
}
