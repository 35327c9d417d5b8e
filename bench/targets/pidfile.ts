import { readFileSync } from 'node:fs';

/** The pid in a pid file, undefined when absent or malformed. */
export function pidFile(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch { return undefined; }
}
