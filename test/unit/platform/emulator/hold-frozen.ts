/**
 * Holding processes in a frozen v1 freezer cgroup of the test's own (beside the test runner's leaf; the lane removes
 * it with the file's subtree): SIGKILL stays pending on a frozen v1 task until it is thawed (cgroup-freeze.ts), so a
 * test sees what the service does while processes it killed have not exited yet. Undefined where there is no v1
 * freezer (a v2 frozen task dies of SIGKILL at once).
 */
import { mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { v1FreezerDirOf } from './paused-probe.js';
import { readFreezeState, setFrozen, type Freezer } from '../../../../src/platform/emulator/service/cgroup-freeze.js';
import { until } from './helpers.js';

export interface Held { thaw(): void }

export async function holdFrozen(pids: readonly number[], name: string): Promise<Held | undefined> {
  const own = v1FreezerDirOf(process.pid);
  if (!own) return undefined;
  const dir = join(dirname(own), name);
  mkdirSync(dir, { recursive: true });
  for (const pid of pids) writeFileSync(join(dir, 'cgroup.procs'), String(pid));
  const f: Freezer = { version: 1, dir };
  setFrozen(f, true);
  await until(() => readFreezeState(f) === 'frozen', 10_000);
  return {
    thaw() {
      setFrozen(f, false);
      try { rmdirSync(dir); } catch { /* members still exiting: the lane removes it with the file's subtree */ }
    },
  };
}
