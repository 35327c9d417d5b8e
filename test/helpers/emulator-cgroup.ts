/**
 * Where the emulator put a system's cgroup in one hierarchy: `<root>/instance-<instance>/<id>` (cgroups.ts), the
 * instance being the hash of the service's state dir. A test that knows the system's id but not the daemon's state
 * dir finds it among the instances: system ids are unique (container ids, `<pod>@vm`).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export function emulatorCgroupDir(root: string, id: string): string {
  const name = encodeURIComponent(id);
  const found = readdirSync(root).filter((d) => d.startsWith('instance-')).map((d) => join(root, d, name)).filter((p) => existsSync(p));
  if (found.length !== 1) throw new Error(`${found.length} cgroups of system ${id} under ${root}: ${found.join(', ') || 'none'}`);
  return found[0]!;
}
