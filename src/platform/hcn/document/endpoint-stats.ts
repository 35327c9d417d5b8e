/** HcnQueryEndpointStats result → the counters CRI's WindowsNetworkInterfaceUsage carries. */
import { validate } from '../../schema.js';
import { EndpointStats, type EndpointStatsDoc } from '../schema/index.js';

export interface EndpointCounters {
  /** The endpoint GUID the counters belong to (EndpointID of the document, else the queried id). */
  endpointId: string;
  rxBytes: number;
  txBytes: number;
  rxPackets: number;
  txPackets: number;
  rxDropped: number;
  txDropped: number;
}

/**
 * Normalises an endpoint statistics document (parsed JSON or its text). Missing counters are 0. Throws a TypeError
 * naming the field when the document is not an EndpointStats object (a counter that is not a non-negative integer).
 */
export function parseEndpointStats(input: EndpointStatsDoc | string | unknown, queriedId: string): EndpointCounters {
  const doc: unknown = typeof input === 'string' ? (input.trim() === '' ? {} : JSON.parse(input)) : (input ?? {});
  const r = validate(EndpointStats, doc);
  if (!r.ok) throw new TypeError(`endpoint statistics of ${queriedId}: ${r.problem.path}: ${r.problem.message}`);
  const s = r.value;
  return {
    endpointId: s.EndpointID || queriedId,
    rxBytes: s.BytesReceived ?? 0,
    txBytes: s.BytesSent ?? 0,
    rxPackets: s.PacketsReceived ?? 0,
    txPackets: s.PacketsSent ?? 0,
    rxDropped: s.DroppedPacketsIncoming ?? 0,
    txDropped: s.DroppedPacketsOutgoing ?? 0,
  };
}
