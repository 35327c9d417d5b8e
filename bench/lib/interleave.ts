/**
 * Block interleaving of the phases that compare targets sample by sample: round r runs one block on every target,
 * the order rotating each round (A B, B A, A B, … for two), so that no target always runs first or always right
 * after the other's burst, and all of them see the same machine over the phase.
 */
export function roundOrder(round: number, targets: number): number[] {
  return Array.from({ length: targets }, (_, k) => (round + k) % targets);
}

/** Sizes of the blocks that `n` samples make in blocks of `block` (the last one may be short). */
export function blockSizes(n: number, block: number): number[] {
  const out: number[] = [];
  for (let done = 0; done < n; done += block) out.push(Math.min(block, n - done));
  return out;
}

/** `rounds` rounds of `fn` per target, the targets taking turns (order rotating each round); each target's results. */
export async function interleavedRounds<T, R>(targets: T[], rounds: number, fn: (t: T) => Promise<R>): Promise<Map<T, R[]>> {
  const per = new Map<T, R[]>(targets.map((t) => [t, []]));
  for (let i = 0; i < Math.max(1, rounds); i++) {
    for (const j of roundOrder(i, targets.length)) per.get(targets[j]!)!.push(await fn(targets[j]!));
  }
  return per;
}
