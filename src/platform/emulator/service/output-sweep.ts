/**
 * Output files no process record refers to: the FIFOs (stdio-fifo.ts) and spill files (spill.ts) of processes a
 * killed service forgot, or made for a process whose launch the kill interrupted. A restarted service removes them
 * once it has loaded its records (fifo-pool.ts sweeps its own spares).
 */
import { readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { SystemRecord } from './records.js';

/** The pipe a file in the stdio directory belongs to: itself, or the pipe a spill segment is named after. */
export function pipeOf(name: string): string | undefined {
  if (name.startsWith('pool-')) return undefined;
  const m = /^(.+\.(?:out|err|in))(?:\.[0-9a-z]+\.spill|\.eof(?:\.tmp)?)?$/.exec(name);
  return m?.[1];
}

/** Removes the output files under <stateDir>/stdio that none of `systems`' processes refers to; returns them. */
export function sweepOutputFiles(stateDir: string, systems: readonly SystemRecord[]): string[] {
  const dir = join(stateDir, 'stdio');
  const known = new Set(systems.flatMap((s) => s.processes.flatMap((p) => Object.values(p.fifos ?? {}).map((f) => basename(f)))));
  let names: string[] = [];
  try { names = readdirSync(dir); } catch { return []; }
  const gone = names.filter((n) => { const p = pipeOf(n); return p !== undefined && !known.has(p); });
  for (const n of gone) rmSync(join(dir, n), { force: true });
  return gone;
}
