/**
 * The default of `images.pullConcurrency`: layers of one pull streamed at once. Each stream is CPU-bound on its
 * unpack worker (socket reads, two SHA-256 passes, inflate, the page-cache copy of every file byte), so on a host
 * with fewer CPUs than 4 more streams only take turns on them: on a 2-core host the bench's 5 layers unpacked 4 at a
 * time took 24 % more CPU per round than 2 at a time, and more wall time (README "Layer streams at most one per
 * CPU"). So the default is 4, or the CPU count where that is lower, never below 2 (one layer's download still
 * overlaps another's unpack on a single-CPU host). A value set in the config file is used as it is: an operator
 * pulling from a slow, distant registry may want more downloads in flight than CPUs.
 */
import { availableParallelism } from 'node:os';

export function defaultPullConcurrency(cpus: number = availableParallelism()): number {
  return Math.min(4, Math.max(2, cpus));
}
