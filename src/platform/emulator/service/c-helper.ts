/**
 * Small C helpers of the emulator (console-helper.ts, ns-helper-source.ts) built with the host C compiler
 * (`$CC`, `cc`, `gcc`) once per source, flags and compilers (helper-key.ts) into <stateDir>/bin, then reused (or
 * copied from a cache shared between services: helper-cache.ts).
 *
 * A compiler runs in its own process group so that stopping the service (abortHelperBuilds) ends it with all
 * of its children (cc1, as, ld) before the service's state dir is declared free: an orphaned compiler would
 * otherwise go on writing into <stateDir>/bin after the service has gone. Files left by a service that was
 * killed mid-build (`<bin>.<pid>.c|.tmp` of a dead pid) are swept at the next build. Builds of a helper under an
 * older name (another compiler or source) are pruned when the service first asks for it and after each new build
 * (helper-prune.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from './procfs.js';
import { helperFromCache, helperToCache } from './helper-cache.js';
import { HELPER_CFLAGS, compilerCandidates, helperFileName } from './helper-key.js';
import { inUse, pruneStaleBuilds } from './helper-prune.js';

const building = new Map<string, Promise<string>>();
/** Helpers (`<dir>/<name>`) whose stale builds were pruned in this process's life. */
const pruned = new Set<string>();
const compilers = new Set<ChildProcess>();
let aborted = false;

function compile(cc: string, src: string, out: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (aborted) { reject(new Error('the emulator service is stopping')); return; }
    const child = spawn(cc, [...HELPER_CFLAGS, '-o', out, src], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    compilers.add(child);
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { if (stderr.length < 8192) stderr += d; });
    const timer = setTimeout(() => killGroup(child), 60_000);
    const done = (err?: Error) => { clearTimeout(timer); compilers.delete(child); if (err) reject(err); else resolve(); };
    child.on('error', (e) => done(new Error(`${cc}: ${e.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) done();
      else done(new Error(`${cc}: ${stderr.trim() || (signal ? `killed by ${signal}` : `exit status ${code}`)}`));
    });
  });
}

function killGroup(child: ChildProcess): void {
  if (!child.pid) return;
  try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
}

/** Ends every compiler still running (and refuses new builds), resolving once they have all exited. */
export async function abortHelperBuilds(): Promise<void> {
  aborted = true;
  const running = [...compilers].map((c) => new Promise<void>((r) => {
    if (c.exitCode !== null || c.signalCode !== null) { r(); return; }
    c.once('close', () => r());
    killGroup(c);
  }));
  await Promise.all(running);
  await Promise.allSettled([...building.values()]);
}

function sweepDead(dir: string): void {
  let names: string[] = [];
  try { names = readdirSync(dir); } catch { return; }
  for (const n of names) {
    const m = /\.(\d+)\.(c|tmp)$/.exec(n);
    if (m && Number(m[1]) !== process.pid && !isAlive(Number(m[1]))) rmSync(join(dir, n), { force: true });
  }
}

/** Path of the compiled helper `<name>-<hash>` (helper-key.ts); rejects with every compiler's error when none works. */
export function buildHelper(stateDir: string, name: string, source: string): Promise<string> {
  const dir = join(stateDir, 'bin');
  const bin = inUse(join(dir, helperFileName(name, source)));
  const prune = (always: boolean) => {
    if (!always && pruned.has(join(dir, name))) return;
    pruned.add(join(dir, name));
    pruneStaleBuilds(dir, name);
  };
  if (existsSync(bin)) { prune(false); return Promise.resolve(bin); }
  let p = building.get(bin);
  if (p) return p;
  p = (async () => {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    sweepDead(dir);
    if (helperFromCache(bin)) { prune(true); return bin; }
    const src = `${bin}.${process.pid}.c`;
    const tmp = `${bin}.${process.pid}.tmp`;
    writeFileSync(src, source);
    const errors: string[] = [];
    try {
      for (const cc of compilerCandidates()) {
        try {
          await compile(cc, src, tmp);
          renameSync(tmp, bin);
          helperToCache(bin);
          prune(true);
          return bin;
        } catch (e) {
          errors.push((e as Error).message);
          if (aborted) break;
        }
      }
    } finally {
      rmSync(src, { force: true });
      rmSync(tmp, { force: true });
    }
    throw new Error(errors.join('; ') || 'no C compiler');
  })();
  building.set(bin, p);
  p.then(() => building.delete(bin), () => building.delete(bin));
  return p;
}
