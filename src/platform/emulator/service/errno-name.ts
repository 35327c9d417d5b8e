/** The name of a (positive) errno number, as Node's errors carry it: ENOENT, EACCES …, or `errno N` when unknown. */
import { getSystemErrorName } from 'node:util';

export function errnoName(n: number): string {
  let name: string | undefined;
  try { name = getSystemErrorName(-n); } catch { /* not a negative integer */ }
  return name && !name.startsWith('Unknown') ? name : `errno ${n}`;
}
