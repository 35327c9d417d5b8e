/**
 * Progress of one pull: bytes per layer, layers done. Logged at a steady interval while the pull runs (bytes of the
 * total, layers done, rate, ETA; nothing for pulls that end before the first interval), and handed as snapshots
 * to subscribers (the CLI's progress bars) at their own pace.
 */
import type { Logger } from '../../util/log.js';
import { timerDelay } from '../../util/long-timer.js';

export interface LayerProgress { digest: string; size: number; received: number; done: boolean }
export interface PullSnapshot { ref: string; layers: LayerProgress[]; bytes: number; totalBytes: number; seconds: number }

/** One progress line's fields: rate over the whole pull so far, ETA from it ("" when unknown). */
export function progressFields(s: { bytes: number; totalBytes: number; layersDone: number; layers: number }, elapsedSeconds: number): Record<string, unknown> {
  const rate = elapsedSeconds > 0 ? s.bytes / elapsedSeconds : 0;
  const left = Math.max(0, s.totalBytes - s.bytes);
  return {
    bytes: s.bytes, totalBytes: s.totalBytes, percent: s.totalBytes ? Math.min(100, Math.floor((s.bytes / s.totalBytes) * 100)) : 0,
    layersDone: s.layersDone, layers: s.layers, mbps: (rate / 1e6).toFixed(2), eta: rate > 0 ? `${Math.ceil(left / rate)}s` : '',
  };
}

export class PullProgress {
  private layers: LayerProgress[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly started = performance.now();
  private readonly subscribers = new Set<(s: PullSnapshot) => void>();

  constructor(private readonly log: Logger, readonly ref: string, private readonly intervalMs: number) {}

  /** The manifest is known: the layers to fetch. Starts the progress lines. */
  begin(layers: { digest: string; size: number }[]): void {
    this.layers = layers.map((l) => ({ digest: l.digest, size: l.size, received: 0, done: false }));
    if (this.intervalMs > 0 && !this.timer) {
      // A longer interval than setInterval takes (images.pullProgressIntervalSeconds) is capped, not cut to 1 ms.
      this.timer = setInterval(() => this.report(), timerDelay(this.intervalMs));
      this.timer.unref();
    }
  }

  layerBytes(index: number, n: number): void { const l = this.layers[index]; if (l) l.received += n; }
  layerDone(index: number): void { const l = this.layers[index]; if (l) { l.done = true; this.emit(); } }

  snapshot(): PullSnapshot {
    const bytes = this.layers.reduce((n, l) => n + (l.done ? Math.max(l.received, l.size) : l.received), 0);
    return {
      ref: this.ref, layers: this.layers.map((l) => ({ ...l })), bytes,
      totalBytes: this.layers.reduce((n, l) => n + l.size, 0), seconds: (performance.now() - this.started) / 1000,
    };
  }

  report(): void {
    const s = this.snapshot();
    this.log.info('pull progress', { ref: this.ref, ...progressFields({ ...s, layersDone: s.layers.filter((l) => l.done).length, layers: s.layers.length }, s.seconds) });
  }

  /** Calls `fn` with a snapshot every `everyMs` and when a layer completes, until the returned function is called. */
  subscribe(fn: (s: PullSnapshot) => void, everyMs: number): () => void {
    this.subscribers.add(fn);
    const t = setInterval(() => { if (this.layers.length) fn(this.snapshot()); }, everyMs);
    t.unref();
    return () => { clearInterval(t); this.subscribers.delete(fn); };
  }

  stop(): void { if (this.timer) clearInterval(this.timer); this.timer = undefined; }

  private emit(): void {
    if (!this.subscribers.size) return;
    const s = this.snapshot();
    for (const fn of this.subscribers) fn(s);
  }
}
