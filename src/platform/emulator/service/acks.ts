import type { Socket } from 'node:net';

/**
 * Acknowledgements an attachment writes back (the IO keeper): lines "<offset>\n", each the stream offset up to
 * which its log holds the output. `onAck` gets the newest of each batch; a line longer than any offset ends it.
 */
export function watchAcks(sock: Socket, onAck: (offset: number) => void): void {
  let line = '';
  sock.on('data', (d: Buffer) => {
    line += d.toString('latin1');
    const nl = line.lastIndexOf('\n');
    if (nl < 0) { if (line.length > 64) sock.destroy(); return; }
    const last = line.slice(0, nl).split('\n').pop()!;
    line = line.slice(nl + 1);
    const n = Number(last);
    if (Number.isSafeInteger(n)) onAck(n);
  });
}

/**
 * Wires a socket that just became a relay's sink: it stops being the sink when it closes, fails or ends (the
 * client never sends anything but acknowledgements, so its EOF means it went away; the unacknowledged bytes stay
 * for the next attachment), its acknowledgements reach `onAck` while it is still the sink (when given), and
 * relaying starts.
 */
export function wireSink(sock: Socket, relay: { isSink(s: Socket): boolean; drop(s: Socket): void; pump(): void }, onAck?: (offset: number) => void): void {
  const detach = () => relay.drop(sock);
  sock.on('close', detach);
  sock.on('error', detach);
  sock.on('end', () => { detach(); sock.destroy(); });
  if (onAck) watchAcks(sock, (n) => { if (relay.isSink(sock)) { onAck(n); relay.pump(); } });
  sock.resume();
  relay.pump();
}
