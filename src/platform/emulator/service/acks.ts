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
