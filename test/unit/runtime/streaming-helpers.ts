/** Small helpers for the streaming room tests: read streams, wait on conditions, count leftovers. */
import { readdirSync, readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';

export function readAll(s: Readable | undefined): Promise<Buffer> {
  if (!s) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    s.on('data', (d: Buffer) => chunks.push(Buffer.from(d)));
    s.on('end', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
  });
}

/** Collects a stream into a growing string (for waiting on output that keeps coming). */
export function collect(s: Readable | undefined): { text(): string } {
  let out = '';
  s?.on('data', (d: Buffer) => { out += d.toString('utf8'); });
  return { text: () => out };
}

/** Pids of processes whose command line contains `marker`. */
export function processesWith(marker: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8').replace(/\0/g, ' ');
      // The whole command line, not a substring: wrappers (nsenter, the pty helper) carry the program's argv too.
      if (cmd.trim() === marker) out.push(Number(e));
    } catch { /* gone */ }
  }
  return out;
}

export function openFds(): number { return readdirSync('/proc/self/fd').length; }
