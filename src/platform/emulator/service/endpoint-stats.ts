/**
 * HcnQueryEndpointStats for the emulator: an endpoint attached to a namespace is a veth pair whose host end
 * (linuxnet.vethName) sits on the network's bridge, in the service's own network namespace. Its kernel counters are
 * read from the host side and turned around to the container's point of view, as HNS reports them: what the host
 * end transmits the container receives. An endpoint without Linux networking (bookkeeping only, or not attached)
 * reports zero counters, like an HNS endpoint that never carried a packet.
 *
 * The counters come from /proc/thread-self/net/dev, which lists the interfaces of the reading thread's network
 * namespace (the service's main thread: where it made the host ends; netns-ops.ts steps away from it only within a
 * synchronous call). /sys/class/net shows the namespace of whoever mounted sysfs instead: a service running in a
 * namespace of its own (a bench under bench/isolated.sh, a test file in its lane) read zeros there, or another
 * namespace's interface of the same name. One read serves every query answered in the same turn of the event loop
 * (kubelet's stats calls come for all pods at once): the table is parsed once per turn, not once per endpoint, and
 * read again after an endpoint's veth is made or deleted (netDevChanged), even within the turn.
 */
import { readFileSync } from 'node:fs';
import type { EndpointStatsDoc } from '../../hcn/schema/index.js';

export const NET_DEV = '/proc/thread-self/net/dev';

export interface Counters { rx_bytes: number; rx_packets: number; rx_dropped: number; tx_bytes: number; tx_packets: number; tx_dropped: number }

/**
 * The interfaces of a /proc/net/dev text: after "<name>:", receive bytes packets errs drop fifo frame compressed
 * multicast, then transmit bytes packets errs drop …; the two header lines have no counters.
 */
export function parseNetDev(text: string): Map<string, Counters> {
  const out = new Map<string, Counters>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const f = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (f.length < 12 || f.some((n) => !Number.isSafeInteger(n) || n < 0)) continue;
    out.set(line.slice(0, colon).trim(), { rx_bytes: f[0]!, rx_packets: f[1]!, rx_dropped: f[3]!, tx_bytes: f[8]!, tx_packets: f[9]!, tx_dropped: f[11]! });
  }
  return out;
}

let turn: { file: string; table: Map<string, Counters> | undefined } | undefined;

/** The interface table of `file`, read once per turn of the event loop; undefined when it cannot be read. */
function netDev(file: string): Map<string, Counters> | undefined {
  if (turn?.file === file) return turn.table;
  let table: Map<string, Counters> | undefined;
  try { table = parseNetDev(readFileSync(file, 'utf8')); } catch { table = undefined; }
  turn = { file, table };
  setImmediate(() => { turn = undefined; });
  return table;
}

/** An interface was made or deleted (linuxnet.ts): the next query reads the table again. */
export function netDevChanged(): void { turn = undefined; }

/** The kernel counters of an interface of this thread's network namespace; undefined when it does not exist there. */
export function readInterfaceCounters(ifName: string, file = NET_DEV): Counters | undefined {
  return netDev(file)?.get(ifName);
}

/** The stats document of endpoint `id` whose host-side interface is `hostIf` (undefined: no Linux networking). */
export function endpointStats(id: string, hostIf: string | undefined, file?: string): EndpointStatsDoc {
  const c = hostIf ? readInterfaceCounters(hostIf, file) : undefined;
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
