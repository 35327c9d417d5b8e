/** Every flag of `npm run soak` (./main.ts); `--help` prints this list, an unknown flag exits 2. */
import type { FlagSpec } from '../lib/usage.js';

export const SOAK_FLAGS: readonly FlagSpec[] = [
  { name: 'minutes', value: 'N', about: 'how long the pods churn (10)' },
  { name: 'pods', value: 'M', about: 'pods churned concurrently (5)' },
];
