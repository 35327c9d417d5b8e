/** Output helpers: aligned tables, JSON, short IDs, ages and sizes. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('   ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

export const json = (v: unknown): string => JSON.stringify(v, null, 2) + '\n';

export const shortId = (id: string): string => id.replace(/^sha256:/, '').slice(0, 13);

/** Nanoseconds since epoch (decimal string or number) → "5 seconds ago"-style age relative to `now` (ms). */
export function age(ns: string | number | undefined, now = Date.now()): string {
  if (ns === undefined || ns === '' || ns === '0' || ns === 0) return '-';
  const ms = Number(BigInt(String(ns)) / 1_000_000n);
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

export function size(bytes: number | string | undefined): string {
  const n = Number(bytes ?? 0);
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n, u = 0;
  while (v >= 1000 && u < units.length - 1) { v /= 1000; u++; }
  return `${u === 0 ? v : v.toFixed(v < 10 ? 1 : 0)}${units[u]}`;
}

/** CONTAINER_RUNNING → Running, SANDBOX_NOTREADY → NotReady. */
export function state(s: string): string {
  const t = s.replace(/^(CONTAINER|SANDBOX)_/, '').toLowerCase();
  return t === 'notready' ? 'NotReady' : t.charAt(0).toUpperCase() + t.slice(1);
}
