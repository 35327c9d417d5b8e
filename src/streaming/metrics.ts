/**
 * Streaming metrics (Prometheus conventions), registered on the registry the daemon passes in:
 * active sessions by kind and transport, bytes each way, session duration, refused requests by reason.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export type SessionKind = 'exec' | 'attach' | 'portforward';
export type Transport = 'spdy' | 'websocket';

export class StreamingMetrics {
  readonly active: Gauge<'kind' | 'transport'>;
  readonly received: Counter<'kind'>;
  readonly sent: Counter<'kind'>;
  readonly duration: Histogram<'kind'>;
  readonly refused: Counter<'reason'>;

  constructor(registry: Registry = new Registry()) {
    const registers = [registry];
    this.active = new Gauge({ name: 'wincri_streaming_sessions_active', help: 'Streaming sessions in progress', labelNames: ['kind', 'transport'], registers });
    this.received = new Counter({ name: 'wincri_streaming_received_bytes_total', help: 'Bytes received from streaming clients', labelNames: ['kind'], registers });
    this.sent = new Counter({ name: 'wincri_streaming_sent_bytes_total', help: 'Bytes sent to streaming clients', labelNames: ['kind'], registers });
    this.duration = new Histogram({
      name: 'wincri_streaming_session_duration_seconds', help: 'Duration of streaming sessions', labelNames: ['kind'], registers,
      buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 1800, 3600, 14400],
    });
    this.refused = new Counter({ name: 'wincri_streaming_refused_requests_total', help: 'Streaming requests refused (unknown token, over capacity, bad handshake)', labelNames: ['reason'], registers });
  }
}
