/** Every flag of `npm run soak` (./main.ts); `--help` prints this list, an unknown flag exits 2. */
import type { FlagSpec } from '../lib/usage.js';

export const SOAK_FLAGS: readonly FlagSpec[] = [
  { name: 'minutes', value: 'N', about: 'how long the pods churn (10)' },
  { name: 'pods', value: 'M', about: 'pods churned concurrently (5)' },
  { name: 'heap-of', value: 'P', about: "one process's JS heap sampled through its inspector, of daemon,keeper,emulator (none)" },
  { name: 'snapshots', value: 'M,M', about: 'with --heap-of: heap snapshots at these minutes (none)' },
  { name: 'snapshot-dir', value: 'D', about: 'where the heap snapshots go (a temp dir)' },
  { name: 'samples-out', value: 'FILE', about: 'every memory sample as JSON lines (none)' },
];
