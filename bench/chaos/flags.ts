/** Every flag of `npm run chaos` (./main.ts); `--help` prints this list, an unknown flag exits 2. */
import type { FlagSpec } from '../lib/usage.js';

export const CHAOS_FLAGS: readonly FlagSpec[] = [
  { name: 'rounds', value: 'N', about: 'rounds, one kill each (6)' },
  { name: 'pods', value: 'M', about: "pods churned concurrently per round (100: issue 12's 100 concurrent pod starts and stops)" },
  { name: 'victims', value: 'A,B', about: 'the processes killed in turn, of daemon,keeper,emulator (all three)' },
  { name: 'kill-ms', value: 'MS', about: 'the kill comes 0.5 s plus up to MS after the round starts (6000)' },
  { name: 'hold-ms', value: 'MS', about: 'each pod runs up to MS before it is stopped (4000)' },
  { name: 'period', value: 'S', about: 'seconds between two lines a pod writes (0.2)' },
];
