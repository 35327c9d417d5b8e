/**
 * The clock of CRI log records: wall-clock nanoseconds that never go backwards, and their RFC 3339 form.
 */

let anchorWallNs = BigInt(Date.now()) * 1_000_000n;
let anchorHr = process.hrtime.bigint();
let lastNs = 0n;
const REANCHOR_NS = 10_000_000_000n;

/**
 * Wall-clock time in nanoseconds since the Unix epoch, with sub-millisecond resolution from the monotonic
 * high-resolution timer. Re-anchored to Date.now() every 10 s so it follows clock adjustments; never goes
 * backwards within this process.
 */
export function nowNs(): bigint {
  const hr = process.hrtime.bigint();
  if (hr - anchorHr > REANCHOR_NS) {
    anchorWallNs = BigInt(Date.now()) * 1_000_000n;
    anchorHr = hr;
  }
  let t = anchorWallNs + (hr - anchorHr);
  if (t < lastNs) t = lastNs;
  lastNs = t;
  return t;
}

/** RFC 3339 in UTC with exactly nine fractional digits: 2026-11-24T10:00:00.123456789Z. */
export function formatTimestamp(ns: bigint): string {
  const sec = ns / 1_000_000_000n;
  const frac = ns % 1_000_000_000n;
  const base = new Date(Number(sec) * 1000).toISOString().slice(0, 19);
  return `${base}.${frac.toString().padStart(9, '0')}Z`;
}
