/** What a layer folder holds (layerUsage): bytes of its files and its inodes, each hard-linked inode counted once. */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export async function measureLayer(layerPath: string): Promise<{ usedBytes: number; inodesUsed: number }> {
  let usedBytes = 0;
  let inodesUsed = 0;
  const seen = new Set<string>();
  const walk = async (d: string): Promise<void> => {
    let entries: string[];
    try { entries = await readdir(d); } catch { return; }
    for (const e of entries) {
      const p = join(d, e);
      const st = await lstat(p).catch(() => undefined);
      if (!st) continue;
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
