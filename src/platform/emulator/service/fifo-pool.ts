/**
 * FIFOs made ahead, many per `mkfifo` process (Node cannot make one itself), and renamed into place when a
 * process needs its output pipes: one process spawn per POOL_BATCH pipes instead of one per created process.
 *
 * Spares are named `pool-<service pid>-<n>` in the stdio directory; a killed service's spares are removed the
 * first time a later service uses the directory (nothing else refers to them).
 */
import { execFile } from 'node:child_process';
import { readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const POOL_BATCH = 16;

interface Pool { spare: string[]; filling?: Promise<void>; next: number }
const pools = new Map<string, Pool>();

function mkfifo(paths: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('mkfifo', ['-m', '600', ...paths], { timeout: 10_000 }, (err, _o, stderr) => {
      if (err) {
        for (const p of paths) rmSync(p, { force: true }); // the ones it did make before failing
        reject(new Error((stderr || err.message).trim()));
      } else resolve();
    });
  });
}

/** Removes spares of services that are gone (this directory's first use by this process). */
function sweep(dir: string): void {
  let names: string[] = [];
  try { names = readdirSync(dir); } catch { return; }
  for (const n of names) {
    const m = /^pool-(\d+)-/.exec(n);
    if (!m || Number(m[1]) === process.pid) continue;
    let alive = false;
    try { process.kill(Number(m[1]), 0); alive = true; } catch (e) { alive = (e as NodeJS.ErrnoException).code === 'EPERM'; }
    if (!alive) rmSync(join(dir, n), { force: true });
  }
}

function poolOf(dir: string): Pool {
  let p = pools.get(dir);
  if (!p) {
    sweep(dir);
    p = { spare: [], next: 0 };
    pools.set(dir, p);
  }
  return p;
}

function fill(dir: string, p: Pool, want: number): Promise<void> {
  p.filling ??= (async () => {
    const made = Array.from({ length: Math.max(want, POOL_BATCH) }, () => join(dir, `pool-${process.pid}-${(p.next++).toString(36)}`));
    try {
      await mkfifo(made);
      p.spare.push(...made);
    } finally { p.filling = undefined; }
  })();
  return p.filling;
}

/**
 * Makes a FIFO (mode 0600) at each of `targets` (all in `dir`, none existing); a refill starts in the background
 * when spares run low. Rejects with mkfifo's message when it cannot make them.
 */
export async function takeFifos(dir: string, targets: string[]): Promise<void> {
  const p = poolOf(dir);
  while (p.spare.length < targets.length) await fill(dir, p, targets.length);
  const got = p.spare.splice(0, targets.length);
  for (const [i, t] of targets.entries()) {
    try { renameSync(got[i]!, t); } catch (e) {
      for (const g of got.slice(i)) rmSync(g, { force: true });
      for (const d of targets.slice(0, i)) rmSync(d, { force: true });
      throw e;
    }
  }
  if (p.spare.length < POOL_BATCH / 2) fill(dir, p, POOL_BATCH).catch(() => undefined); // a later take retries and reports
}

/** Removes this process's spares (service shutdown). */
export function dropSpareFifos(): void {
  for (const p of pools.values()) for (const f of p.spare.splice(0)) rmSync(f, { force: true });
}
