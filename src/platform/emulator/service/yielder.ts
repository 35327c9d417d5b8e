/**
 * For long synchronous walks in the service's event loop: a pause that lets other work run once the walk has held
 * the loop for `budgetMs` since its last turn (entries differ in cost: a count of entries bounds nothing).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';

export const YIELD_BUDGET_MS = 5;

export function yielder(budgetMs = YIELD_BUDGET_MS): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < budgetMs) return;
    await nextTurn();
    since = performance.now();
  };
}
