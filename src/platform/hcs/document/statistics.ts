/** HCS Properties.Statistics → plain numbers in the units CRI uses. */
import type { PropertiesDoc } from '../schema/index.js';

export interface ContainerStatistics {
  /** Sample time, ns since the Unix epoch (from Statistics.Timestamp). */
  timestampNs: bigint;
  uptimeNs: bigint;
  /** CPU times: the *100ns counters × 100. bigint because cumulative CPU ns exceed 2^53 after ~104 CPU-days. */
  cpuTotalNs: bigint;
  cpuUserNs: bigint;
  cpuKernelNs: bigint;
  memoryCommitBytes: number;
  memoryCommitPeakBytes: number;
  memoryPrivateWorkingSetBytes: number;
  storageReadCount: number;
  storageReadBytes: number;
  storageWriteCount: number;
  storageWriteBytes: number;
}

/**
 * Normalises the Statistics of a Properties document (query PropertyTypes ["Statistics"]). Returns undefined
 * when the document has no Statistics. A missing or unparsable Timestamp yields `fallbackNowNs` (default: 0n).
 */
export function parseStatistics(props: PropertiesDoc, fallbackNowNs = 0n): ContainerStatistics | undefined {
  const s = props.Statistics;
  if (!s) return undefined;
  // The service's numbers as they come: a missing, non-numeric, negative or non-finite counter reads 0.
  const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);
  const ns100 = (v: unknown): bigint => BigInt(Math.trunc(count(v))) * 100n;
  return {
    timestampNs: (typeof s.Timestamp === 'string' ? parseRfc3339Ns(s.Timestamp) : undefined) ?? fallbackNowNs,
    uptimeNs: ns100(s.Uptime100ns),
    cpuTotalNs: ns100(s.Processor?.TotalRuntime100ns),
    cpuUserNs: ns100(s.Processor?.RuntimeUser100ns),
    cpuKernelNs: ns100(s.Processor?.RuntimeKernel100ns),
    memoryCommitBytes: count(s.Memory?.MemoryUsageCommitBytes),
    memoryCommitPeakBytes: count(s.Memory?.MemoryUsageCommitPeakBytes),
    memoryPrivateWorkingSetBytes: count(s.Memory?.MemoryUsagePrivateWorkingSetBytes),
    storageReadCount: count(s.Storage?.ReadCountNormalized),
    storageReadBytes: count(s.Storage?.ReadSizeBytes),
    storageWriteCount: count(s.Storage?.WriteCountNormalized),
    storageWriteBytes: count(s.Storage?.WriteSizeBytes),
  };
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i;

/** RFC 3339 date-time → ns since the epoch, keeping up to 9 fractional digits; undefined if unparsable. */
export function parseRfc3339Ns(text: string): bigint | undefined {
  const m = RFC3339.exec(text.trim());
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]!.toUpperCase()}`);
  if (Number.isNaN(ms)) return undefined;
  const frac = BigInt((m[2] ?? '').padEnd(9, '0') || '0');
  return BigInt(ms) * 1_000_000n + frac;
}

/** Formats ns since the epoch as RFC 3339 with 7 fractional digits (the 100 ns resolution HCS reports). */
export function formatRfc3339Ns(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const iso = new Date(Number(ms)).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0').slice(0, 7);
  return `${iso.slice(0, 19)}.${frac}Z`;
}
