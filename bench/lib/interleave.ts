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
