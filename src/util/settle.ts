/**
 * Waits for every promise to settle, then throws the first rejection in their order: for steps that run together
 * and must all have finished before a failure's undo runs (a late write must not bring back what the undo removed).
 */
export async function settleAll(steps: readonly (Promise<unknown> | undefined)[]): Promise<void> {
  const settled = await Promise.allSettled(steps);
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
}
