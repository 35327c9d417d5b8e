/**
 * Exec/attach over SPDY (client-go / kubelet / crictl default). The client opens an `error` stream, then
 * stdin/stdout/stderr as requested, then `resize` (v3+, TTY); the cached CRI request says how many to expect.
 * Every stream is accepted on arrival; once all are there the command runs. Streams missing after the creation
 * timeout end the connection.
 */
import type { Logger } from '../../util/log.js';
import { setLongTimeout, type LongTimeout } from '../../util/long-timer.js';
import type { RemoteCommandSession } from '../types.js';
import type { SpdyConnection } from '../spdy/connection.js';
import type { SpdyStream } from '../spdy/stream.js';
import { headerValue } from '../spdy/header-block.js';
import { RST } from '../spdy/raw.js';
import { runCommand } from './run.js';
import { statusFor } from './status.js';
import { ResizeDecoder } from './resize.js';

type StreamType = 'error' | 'stdin' | 'stdout' | 'stderr' | 'resize';
const TYPES: readonly string[] = ['error', 'stdin', 'stdout', 'stderr', 'resize'];

export function expectedStreams(s: RemoteCommandSession, version: number): Set<StreamType> {
  const want = new Set<StreamType>(['error']);
  if (s.stdin) want.add('stdin');
  if (s.stdout) want.add('stdout');
  if (s.stderr && !s.tty) want.add('stderr');
  if (s.tty && version >= 3) want.add('resize');
  return want;
}

/** Collects streams by type as they arrive; resolves when all expected ones exist, rejects after the timeout. */
export class StreamCollector {
  readonly streams = new Map<StreamType, SpdyStream>();
  private resolveAll!: () => void;
  readonly complete = new Promise<void>((r) => { this.resolveAll = r; });

  constructor(private readonly want: Set<StreamType>, private readonly log: Logger) {
    if (want.size === 0) this.resolveAll();
  }

  add(stream: SpdyStream): void {
    const type = (headerValue(stream.headers, 'streamtype') ?? '').toLowerCase();
    if (!TYPES.includes(type) || this.streams.has(type as StreamType)) {
      this.log.warn('unexpected SPDY stream refused', { streamtype: type, stream: stream.id });
      stream.reset(RST.RefusedStream);
      return;
    }
    stream.accept();
    this.streams.set(type as StreamType, stream);
    if (!this.want.has(type as StreamType)) stream.resume(); // not part of the request: read and drop
    if ([...this.want].every((t) => this.streams.has(t))) this.resolveAll();
  }
}

export async function serveSpdyCommand(conn: SpdyConnection, collector: StreamCollector, session: RemoteCommandSession,
  version: number, streamTimeoutMs: number, log: Logger): Promise<void> {
  let timer: LongTimeout | undefined;
  const timedOut = new Promise<'timeout'>((r) => { timer = setLongTimeout(() => r('timeout'), streamTimeoutMs); });
  const gone = conn.closed.then(() => 'gone' as const);
  const first = await Promise.race([collector.complete.then(() => 'ready' as const), timedOut, gone]);
  timer?.clear();
  if (first !== 'ready') {
    if (first === 'timeout') log.warn('timed out waiting for the client to create streams', { container: session.containerId, got: [...collector.streams.keys()] });
    conn.destroy();
    return;
  }
  const s = collector.streams;
  const errorStream = s.get('error')!;
  const resize = session.tty ? s.get('resize') : undefined;
  await runCommand(session, {
    stdin: session.stdin ? s.get('stdin') : undefined,
    stdout: session.stdout ? s.get('stdout') : undefined,
    stderr: session.stderr && !session.tty ? s.get('stderr') : undefined,
    onResize: resize && ((listener) => {
      const dec = new ResizeDecoder();
      resize.setEncoding('utf8');
      resize.on('data', (text: string) => {
        try {
          for (const size of dec.push(text)) listener(size);
        } catch (e) {
          log.warn('bad resize message; ignoring further resizes', { err: e });
          resize.removeAllListeners('data');
          resize.resume();
        }
      });
    }),
    report: (outcome) => new Promise<void>((resolve) => {
      const text = statusFor(version, outcome);
      if (text === undefined) errorStream.end(resolve); else errorStream.end(text, resolve);
    }),
    gone: conn.closed,
  }, log);
  await conn.close();
}
