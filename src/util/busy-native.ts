/**
 * The process's BusyTrim (busy-trim.ts): created with the idle collection's IdleTrim (idle-gc.ts), told when work
 * ends and when the idle collection has trimmed. Memory outside V8's heap is RSS − V8's committed heap
 * (`process.memoryUsage()`, read at most once per check). Null where the trim cannot run off the main thread.
 */
import { BusyTrim } from './busy-trim.js';
import { offThreadTrimAvailable, trimNativeHeapOffThread } from './native-trim.js';

export function createBusyTrim(): BusyTrim | null {
  if (!offThreadTrimAvailable()) return null;
  return new BusyTrim({
    now: Date.now,
    nativeBytes: () => { const m = process.memoryUsage(); return m.rss - m.heapTotal; },
    trim: () => trimNativeHeapOffThread() ?? Promise.resolve(false),
    defer: (fn) => { setImmediate(fn); },
  });
}
