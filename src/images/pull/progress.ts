/**
 * Progress of one long pull, logged at a steady interval: bytes received of the total, layers done, rate and ETA.
 * Nothing is logged for pulls that end before the first interval.
 */
import type { Logger } from '../../util/log.js';

export interface PullProgressState { bytes: number; totalBytes: number; layersDone: number; layers: number }

/** One progress line's fields: rate over the whole pull so far, ETA from it ("" when unknown). */
export function progressFields(s: PullProgressState, elapsedSeconds: number): Record<string, unknown> {
  const rate = elapsedSeconds > 0 ? s.bytes / elapsedSeconds : 0;
  const left = Math.max(0, s.totalBytes - s.bytes);
  return {
    bytes: s.bytes, totalBytes: s.totalBytes, percent: s.totalBytes ? Math.min(100, Math.floor((s.bytes / s.totalBytes) * 100)) : 0,
    layersDone: s.layersDone, layers: s.layers, mbps: (rate / 1e6).toFixed(2), eta: rate > 0 ? `${Math.ceil(left / rate)}s` : '',
  };
}

export class PullProgress {
  readonly state: PullProgressState;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly started = performance.now();

  constructor(private readonly log: Logger, private readonly ref: string, layerSizes: number[], intervalMs: number) {
    this.state = { bytes: 0, totalBytes: layerSizes.reduce((a, b) => a + b, 0), layersDone: 0, layers: layerSizes.length };
    if (intervalMs > 0) {
      this.timer = setInterval(() => this.report(), intervalMs);
      this.timer.unref();
    }
  }

  bytes(n: number): void { this.state.bytes += n; }
  layerDone(): void { this.state.layersDone++; }

  report(): void {
    this.log.info('pull progress', { ref: this.ref, ...progressFields(this.state, (performance.now() - this.started) / 1000) });
  }

  stop(): void { if (this.timer) clearInterval(this.timer); }
}
