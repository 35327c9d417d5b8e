/**
 * Port-forward over SPDY (`portforward.k8s.io`). Per forwarded TCP connection the client opens an `error` stream
 * and a `data` stream carrying the same `port` and `requestid` headers. Pairs are matched by request ID (missing:
 * the error stream's ID, or the data stream's ID − 2), must complete within the creation timeout, then the port
 * is dialled through the session. A failure is written to that pair's error stream; the connection stays up for
 * other pairs until the client closes it.
 */
import type { Logger } from '../../util/log.js';
import { setLongTimeout, type LongTimeout } from '../../util/long-timer.js';
import type { PortForwardSession } from '../types.js';
import type { SpdyStream } from '../spdy/stream.js';
import { headerValue } from '../spdy/header-block.js';
import { RST } from '../spdy/raw.js';
import { forward } from './pipe.js';

interface Pair { data?: SpdyStream; error?: SpdyStream; port: number; timer: LongTimeout }

export class SpdyPortForward {
  private readonly pairs = new Map<string, Pair>();
  private readonly active = new Set<Promise<void>>();

  constructor(private readonly session: PortForwardSession, private readonly gone: Promise<void>,
    private readonly streamTimeoutMs: number, private readonly log: Logger) {}

  onStream(stream: SpdyStream): void {
    const type = (headerValue(stream.headers, 'streamtype') ?? '').toLowerCase();
    const portText = headerValue(stream.headers, 'port');
    const port = portText !== undefined && /^\d+$/.test(portText) ? Number(portText) : NaN;
    if ((type !== 'data' && type !== 'error') || !(port >= 1 && port <= 65535)) {
      this.log.warn('port-forward stream refused', { streamtype: type, port: portText, stream: stream.id });
      stream.reset(RST.ProtocolError);
      return;
    }
    stream.accept();
    const id = headerValue(stream.headers, 'requestid') ?? String(type === 'error' ? stream.id : stream.id - 2);
    let pair = this.pairs.get(id);
    if (!pair) {
      pair = { port, timer: setLongTimeout(() => this.timeout(id), this.streamTimeoutMs) };
      this.pairs.set(id, pair);
    }
    if (pair[type]) {
      stream.reset(RST.ProtocolError);
      return;
    }
    pair[type] = stream;
    if (type === 'error') stream.resume(); // the client half-closes it at once; nothing to read
    if (pair.data && pair.error) {
      pair.timer.clear();
      this.pairs.delete(id);
      const p = this.run(pair.data, pair.error, pair.port);
      this.active.add(p);
      void p.finally(() => this.active.delete(p));
    }
  }

  /** The connection is gone: forget half-made pairs, wait for running forwards to unwind. */
  async closed(): Promise<void> {
    for (const p of this.pairs.values()) p.timer.clear();
    this.pairs.clear();
    await Promise.all(this.active);
  }

  private async run(data: SpdyStream, error: SpdyStream, port: number): Promise<void> {
    let target;
    try {
      target = await this.session.connect(port);
    } catch (e) {
      const msg = `error forwarding port ${port} to pod ${this.session.podSandboxId}: ${e instanceof Error ? e.message : String(e)}`;
      this.log.info('port-forward failed', { pod: this.session.podSandboxId, port, err: msg });
      error.end(msg);
      data.end();
      return;
    }
    target.on('error', (e: Error) => {
      if (!error.writableEnded) error.end(`error forwarding port ${port} to pod ${this.session.podSandboxId}: ${e.message}`);
    });
    await forward({ in: data, out: data }, target, this.gone);
    if (!error.writableEnded) error.end();
  }

  private timeout(id: string): void {
    const pair = this.pairs.get(id);
    if (!pair) return;
    this.pairs.delete(id);
    this.log.warn('timed out waiting for the other stream of a port-forward pair', { requestid: id, port: pair.port });
    const msg = `timed out waiting for streams of port-forward request ${id}`;
    pair.error?.end(msg);
    pair.data?.reset(RST.Cancel);
  }
}
