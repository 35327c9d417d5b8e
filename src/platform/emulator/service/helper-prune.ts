/**
 * Stale builds of the emulator's C helpers (c-helper.ts). A helper's file name hashes its source, flags and
 * compilers (helper-key.ts), so each compiler upgrade or new source leaves the previous build in <stateDir>/bin,
 * where nothing would ever remove it. Builds of the same helper under other names are removed, except:
 * - a path this process has handed out (inUse): it may be spawning it right now, or soon;
 * - a build younger than PRUNE_GRACE_MS: another process of this state dir may have just resolved it (a service
 *   being replaced; one service runs per state dir, so older builds are no one's).
 * A process already running a removed build runs on (the kernel keeps an executed file), and is still known by its
 * argv (helper-orphans.ts).
 */
import { lstatSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const PRUNE_GRACE_MS = 15 * 60_000;

const handedOut = new Set<string>();

/** `bin` is (about to be) run by this process: never pruned while it lives. */
export function inUse(bin: string): string {
  handedOut.add(bin);
  return bin;
}

/** Removes the stale builds of helper `name` in `dir` (above); returns their paths. */
export function pruneStaleBuilds(dir: string, name: string, now = Date.now(), graceMs = PRUNE_GRACE_MS): string[] {
  const build = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-[0-9a-f]{12}$`);
  let names: string[] = [];
  try { names = readdirSync(dir); } catch { return []; }
  const removed: string[] = [];
  for (const n of names) {
    const path = join(dir, n);
    if (!build.test(n) || handedOut.has(path)) continue;
    try {
      const st = lstatSync(path);
      if (!st.isFile() || now - st.mtimeMs < graceMs) continue;
      rmSync(path);
      removed.push(path);
    } catch { /* gone meanwhile, or not ours to remove */ }
  }
  return removed;
}
