/** Where a program is on the service's PATH (the emulator's `ip`, `nft`, the holder's `sleep`), looked up once per name. */
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

const found = new Map<string, string | undefined>();

/** The program's absolute path (an absolute `cmd` as is), or undefined when no PATH directory has it executable. */
export function findProgram(cmd: string): string | undefined {
  if (cmd.startsWith('/')) return cmd;
  if (found.has(cmd)) return found.get(cmd);
  let hit: string | undefined;
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter)) {
    if (!isAbsolute(dir)) continue; // a relative entry would depend on the service's cwd
    const p = join(dir, cmd);
    try { accessSync(p, constants.X_OK); hit = p; break; } catch { /* next */ }
  }
  found.set(cmd, hit);
  return hit;
}
