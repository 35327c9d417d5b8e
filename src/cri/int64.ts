import { invalidArgument } from '../errors.js';

/** int64/uint64 fields arrive as decimal strings (longs: String); convert to a safe JS number. */
export function num(v: string | number | undefined | null, field: string, opts: { min?: number; max?: number } = {}): number {
  if (v === undefined || v === null || v === '') return 0;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n) || !Number.isInteger(n)) throw invalidArgument(`${field}: "${v}" is not an integer`);
  if (opts.min !== undefined && n < opts.min) throw invalidArgument(`${field}: ${n} is below the minimum ${opts.min}`);
  if (opts.max !== undefined && n > opts.max) throw invalidArgument(`${field}: ${n} is above the maximum ${opts.max}`);
  return n;
}
