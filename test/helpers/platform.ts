/** Assertions shared by the platform tests (contract suite, emulator unit tests). */
import type { Readable } from 'node:stream';
import { PlatformError, HRESULT, type HResultName } from '../../src/platform/hresult.js';

/** Awaits `p` and requires it to fail with the given HRESULT; returns the error. */
export async function rejectsWith(p: Promise<unknown>, code: HResultName): Promise<PlatformError> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof PlatformError)) throw e;
    if (e.hresult !== HRESULT[code] >>> 0) throw new Error(`expected ${code}, got ${e.message}`);
    return e;
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}

/** Reads a process stdio stream to its end as UTF-8 ('' when the stream does not exist). */
export function readAll(s: Readable | undefined): Promise<string> {
  if (!s) return Promise.resolve('');
  return new Promise((res, rej) => {
    let out = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => { out += d; });
    s.on('end', () => res(out));
    s.on('error', rej);
  });
}
