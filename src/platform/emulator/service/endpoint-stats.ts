/**
 * HcnQueryEndpointStats for the emulator: an endpoint attached to a namespace is a veth pair whose host end
 * (linuxnet.vethName) sits on the network's bridge. Its kernel counters (/sys/class/net/<if>/statistics) are read
 * from the host side and turned around to the container's point of view, as HNS reports them: what the host end
 * transmits the container receives. An endpoint without Linux networking (bookkeeping only, or not attached)
 * reports zero counters, like an HNS endpoint that never carried a packet.
 */
import { readFileSync } from 'node:fs';
import type { EndpointStatsDoc } from '../../hcn/schema/index.js';

const COUNTERS = ['rx_bytes', 'tx_bytes', 'rx_packets', 'tx_packets', 'rx_dropped', 'tx_dropped'] as const;
type Counters = Record<typeof COUNTERS[number], number>;

/** The kernel counters of a host interface; undefined when it does not exist. */
export function readInterfaceCounters(ifName: string, sysfs = '/sys/class/net'): Counters | undefined {
  const out = {} as Counters;
  for (const k of COUNTERS) {
    let text: string;
    try { text = readFileSync(`${sysfs}/${ifName}/statistics/${k}`, 'utf8'); } catch { return undefined; }
    const n = Number(text.trim());
    out[k] = Number.isSafeInteger(n) && n >= 0 ? n : 0;
  }
  return out;
}

/** The stats document of endpoint `id` whose host-side interface is `hostIf` (undefined: no Linux networking). */
export function endpointStats(id: string, hostIf: string | undefined, sysfs?: string): EndpointStatsDoc {
  const c = hostIf ? readInterfaceCounters(hostIf, sysfs) : undefined;
  return {
    EndpointID: id,
    BytesReceived: c?.tx_bytes ?? 0,
    BytesSent: c?.rx_bytes ?? 0,
    PacketsReceived: c?.tx_packets ?? 0,
    PacketsSent: c?.rx_packets ?? 0,
    DroppedPacketsIncoming: c?.tx_dropped ?? 0,
    DroppedPacketsOutgoing: c?.rx_dropped ?? 0,
  };
}
