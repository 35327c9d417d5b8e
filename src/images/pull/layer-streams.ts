/**
 * How many layers of one pull stream at once. Each stream is CPU-bound on its unpack worker (socket reads, two
 * SHA-256 passes, inflate, the page-cache copy of every file byte), so more streams than CPUs only take turns on
 * them: on a 2-core host the bench's 5 layers unpacked 4 at a time took 24 % more CPU per round than 2 at a time
 * (context switches, and each worker's JIT repeating the others' work; README "Layer streams at most one per
 * CPU"), and more wall time, not less. So the configured
 * `images.pullConcurrency` is capped at the CPU count — never below 2, so that one layer's download still overlaps
 * another's unpack on a single-CPU host.
 */
import { availableParallelism } from 'node:os';

export function layerStreams(configured: number, cpus: number = availableParallelism()): number {
  return Math.max(1, Math.min(configured, Math.max(2, cpus)));
}
