/**
 * A system's limits in its cgroup (cgroups.ts): Container.Memory.SizeInMB → memory.max (v2) /
 * memory.limit_in_bytes (v1); Container.Processor (one of Count / Maximum / Weight, as HCS requires) → cpu.max
 * and cpu.weight (v2) / cpu.cfs_quota_us and cpu.shares (v1). OOM kills are counted from memory.events (v2) /
 * memory.oom_control (v1).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostProcessorCount } from '../../../util/host-cpus.js';
import type { ContainerDoc } from '../../hcs/schema/index.js';
import type { SystemCgroup } from './cgroups.js';

const PERIOD_US = 100_000;
const MiB = 1024 * 1024;

function put(file: string, value: string): void { writeFileSync(file, value); }

/** Applies the document's memory and processor settings (unset → unlimited / default weight). */
export function applyLimits(cg: SystemCgroup, c: ContainerDoc | undefined, hostCpus = hostProcessorCount()): void {
  const mb = c?.Memory?.SizeInMB ?? 0;
  const p = c?.Processor ?? {};
  let quota = 0; // µs per period; 0 = unlimited
  if (p.Count && p.Count > 0) quota = Math.min(p.Count, hostCpus) * PERIOD_US;
  else if (p.Maximum && p.Maximum > 0) quota = Math.max(1000, Math.round((p.Maximum / 10000) * hostCpus * PERIOD_US));
  const weight = p.Weight && p.Weight > 0 ? Math.min(10000, p.Weight) : 100;
  if (cg.version === 2) {
    const d = cg.dirs[0]!;
    put(join(d, 'memory.max'), mb > 0 ? String(mb * MiB) : 'max');
    put(join(d, 'cpu.max'), `${quota > 0 ? quota : 'max'} ${PERIOD_US}`);
    put(join(d, 'cpu.weight'), String(weight));
    return;
  }
  const [mem, cpu] = cg.dirs as [string, string];
  put(join(mem, 'memory.limit_in_bytes'), mb > 0 ? String(mb * MiB) : '-1');
  put(join(cpu, 'cpu.cfs_period_us'), String(PERIOD_US));
  put(join(cpu, 'cpu.cfs_quota_us'), quota > 0 ? String(quota) : '-1');
  // cpu.shares 1024 is the default weight, as 100 is for cpu.weight and HCS.
  put(join(cpu, 'cpu.shares'), String(Math.max(2, Math.round((weight * 1024) / 100))));
}

/** How many processes the kernel's OOM killer killed in the system's cgroup; undefined when unreadable. */
export function oomKills(cg: SystemCgroup): number | undefined {
  const file = cg.version === 2 ? join(cg.dirs[0]!, 'memory.events') : join(cg.dirs[0]!, 'memory.oom_control');
  try {
    const m = /^oom_kill (\d+)$/m.exec(readFileSync(file, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch { return undefined; }
}
