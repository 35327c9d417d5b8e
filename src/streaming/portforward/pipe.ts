/**
 * Bytes between a client channel and a pod connection, both directions, with backpressure (pipe) and
 * half-close: the client's end-of-data ends the pod socket's write side and vice versa. Resolves when both
 * directions are over, the pod side fails, or `abort` resolves (the client connection is gone); the pod
 * connection is then destroyed.
 */
import { finished, type Duplex, type Readable, type Writable } from 'node:stream';

export function forward(client: { in: Readable; out: Writable }, target: Duplex, abort: Promise<void>): Promise<void> {
  client.in.pipe(target);
  target.pipe(client.out);
  const over = (s: Readable | Writable, opts: { readable: boolean; writable: boolean }) => new Promise<void>((resolve) => {
    finished(s, opts, () => resolve());
  });
  const both = Promise.all([
    over(target, { readable: true, writable: false }), // pod → client side done
    over(client.in, { readable: true, writable: false }), // client → pod side done
  ]);
  const failed = new Promise<void>((resolve) => {
    target.once('error', () => resolve());
    target.once('close', () => resolve());
  });
  return Promise.race([both, failed, abort]).then(() => {
    client.in.unpipe(target);
    target.unpipe(client.out);
    if (!client.out.writableEnded) client.out.end();
    target.destroy();
  });
}
