/**
 * Small C helpers of the emulator (console-helper.ts, ns-helper-source.ts) built with the host C compiler
 * (`$CC`, `cc`, `gcc`) once per source version into <stateDir>/bin, then reused.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const building = new Map<string, Promise<string>>();

function compile(cc: string, src: string, out: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cc, ['-O2', '-o', out, src], { timeout: 60_000 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${cc}: ${(stderr || err.message).trim()}`)); else resolve();
    });
  });
}

/** Path of the compiled helper `<name>-<hash of source>`; rejects with every compiler's error when none works. */
export function buildHelper(stateDir: string, name: string, source: string): Promise<string> {
  const dir = join(stateDir, 'bin');
  const bin = join(dir, `${name}-${createHash('sha256').update(source).digest('hex').slice(0, 12)}`);
  if (existsSync(bin)) return Promise.resolve(bin);
  let p = building.get(bin);
  if (p) return p;
  p = (async () => {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const src = `${bin}.${process.pid}.c`;
    const tmp = `${bin}.${process.pid}.tmp`;
    writeFileSync(src, source);
    const errors: string[] = [];
    try {
      for (const cc of [process.env.CC, 'cc', 'gcc'].filter((x): x is string => !!x)) {
        try {
          await compile(cc, src, tmp);
          renameSync(tmp, bin);
          return bin;
        } catch (e) {
          errors.push((e as Error).message);
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
