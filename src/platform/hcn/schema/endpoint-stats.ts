/**
 * Endpoint statistics: the result of HcnQueryEndpointStats (and of HNS v1 `GET /endpointstats/<id>`), as hcsshim's
 * `HNSEndpointStats` declares it. Counters are from the endpoint's (the container's) point of view: BytesReceived
 * is what the container received. Unknown fields are kept (newer HNS builds add counters).
 */
import { object, str, uint64, type Infer } from '../../schema.js';

export const EndpointStats = object('EndpointStats', {
  BytesReceived: uint64,
  BytesSent: uint64,
  DroppedPacketsIncoming: uint64,
  DroppedPacketsOutgoing: uint64,
  PacketsReceived: uint64,
  PacketsSent: uint64,
  EndpointID: str,
  InstanceId: str,
}, { allowUnknown: true });
export type EndpointStatsDoc = Infer<typeof EndpointStats>;
