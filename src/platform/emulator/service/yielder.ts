/** For long synchronous walks in the service's event loop: a pause that lets other work run once every `every` calls. */
import { setImmediate as nextTurn } from 'node:timers/promises';

export const YIELD_EVERY = 256;

export function yielder(every = YIELD_EVERY): () => Promise<void> {
  let n = 0;
  return async () => {
    if (++n % every === 0) await nextTurn();
  };
}
