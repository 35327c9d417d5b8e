/**
 * Seeing and failing the writes code makes with fs.writeFileSync, through the ES module bindings too
 * (syncBuiltinESMExports): the cgroup limit writes of the emulator's tests, where plain directories stand in.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

type Write = (file: fs.PathOrFileDescriptor, data: string | NodeJS.ArrayBufferView, o?: fs.WriteFileOptions) => void;

/** Runs `fn` with writeFileSync replaced by `w` (given the real one). */
function withWrites(w: (real: typeof fs.writeFileSync) => Write, fn: () => void): void {
  const real = fs.writeFileSync;
  fs.writeFileSync = w(real) as typeof fs.writeFileSync;
  syncBuiltinESMExports();
  try { fn(); } finally {
    fs.writeFileSync = real;
    syncBuiltinESMExports();
  }
}

/** Runs `fn` recording every writeFileSync (file, text) it makes. */
export function writesOf(fn: () => void): [string, string][] {
  const seen: [string, string][] = [];
  withWrites((real) => (file, data, o) => {
    seen.push([String(file), String(data)]);
    real(file, data, o);
  }, fn);
  return seen;
}

/** Runs `fn` with the first `times` writeFileSync calls to a file named `name` failing (EIO). */
export function failingWrites(name: string, times: number, fn: () => void): void {
  let left = times;
  withWrites((real) => (file, data, o) => {
    if (String(file).endsWith(`/${name}`) && left > 0) {
      left--;
      throw Object.assign(new Error(`EIO: i/o error, write '${String(file)}'`), { code: 'EIO' });
    }
    real(file, data, o);
  }, fn);
}
