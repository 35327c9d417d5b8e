/** The host's logical processor count (compute-system documents, CPU limits), read once (os.cpus() parses /proc/cpuinfo per call). */
import { cpus } from 'node:os';

let count: number | undefined;

export function hostProcessorCount(): number {
  count ??= cpus().length;
  return count;
}
