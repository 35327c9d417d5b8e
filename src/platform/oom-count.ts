/**
 * Whether the kernel OOM-killed a process of a system: the emulator counts OOM kills in the system's memory cgroup
 * (kept after the cgroup goes) and reports them as OomKillCount with the Statistics query; HCS never does, so on
 * Windows this is always false. Read by the IO keeper at an init's exit, while the system surely runs (recorded
 * with the exit), and by the daemon when it records the exit (runtime/oom.ts).
 */
import type { ComputeSystem } from './types.js';

export async function oomKilledIn(system: ComputeSystem): Promise<boolean> {
  try {
    const props = await system.getProperties({ PropertyTypes: ['Statistics'] });
    return (props.OomKillCount ?? 0) > 0;
  } catch {
    return false; // gone or not answering: the exit is reported as it is
  }
}
