/**
 * What a layer folder holds (layerUsage): bytes of its files and its inodes, each hard-linked inode counted once.
 * Synchronous lstat and readdir (an async call per entry cost more than the call), yielding to the event loop
 * after every ~5 ms of work (yielder.ts).
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { yielder } from './yielder.js';

export async function measureLayer(layerPath: string): Promise<{ usedBytes: number; inodesUsed: number }> {
  let usedBytes = 0;
  let inodesUsed = 0;
  const seen = new Set<string>();
  const pause = yielder();
  const walk = async (d: string): Promise<void> => {
    let entries: string[];
    try { entries = readdirSync(d); } catch { return; }
    for (const e of entries) {
      await pause();
      const p = join(d, e);
      let st;
      try { st = lstatSync(p); } catch { continue; }
      const key = `${st.dev}:${st.ino}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inodesUsed++;
      if (st.isDirectory()) await walk(p);
      else usedBytes += st.size;
    }
  };
  await walk(layerPath);
  return { usedBytes, inodesUsed };
}
