/**
 * `wincri images pull` progress: on a terminal one live bar per layer, redrawn in place; otherwise plain lines —
 * one when a layer completes and a total every `plainEveryMs` (default 5 s).
 */
import type { PullProgressMessage } from '../daemon/admin.js';

export interface ProgressOutput { isTTY?: boolean; columns?: number; write(s: string): unknown }

const mb = (n: number) => (n / 1e6).toFixed(1);

export function layerLine(l: PullProgressMessage['layers'][number], width: number): string {
  const id = l.digest.replace(/^sha256:/, '').slice(0, 12);
  const frac = l.done ? 1 : l.size > 0 ? Math.min(1, l.received / l.size) : 0;
  const barWidth = Math.max(10, Math.min(40, width - 40));
  const filled = Math.round(frac * barWidth);
  const bar = '='.repeat(Math.max(0, filled - 1)) + (filled ? (frac === 1 ? '=' : '>') : '') + ' '.repeat(barWidth - filled);
  return `${id} [${bar}] ${l.done ? 'done' : `${mb(l.received)}/${mb(l.size)} MB`}`;
}

export function pullRenderer(out: ProgressOutput, opts: { plainEveryMs?: number; now?: () => number } = {}) {
  const now = opts.now ?? Date.now;
  let drawn = 0;
  let lastPlain = now();
  const doneSeen = new Set<string>();
  return {
    update(p: PullProgressMessage): void {
      if (out.isTTY) {
        const lines = p.layers.map((l) => layerLine(l, out.columns ?? 80));
        const rate = p.seconds > 0 ? p.bytes / p.seconds : 0;
        lines.push(`total ${mb(p.bytes)}/${mb(p.totalBytes)} MB, ${mb(rate)} MB/s`);
        out.write((drawn ? `\x1b[${drawn}A` : '') + lines.map((l) => `\x1b[2K${l}\n`).join(''));
        drawn = lines.length;
        return;
      }
      p.layers.forEach((l, i) => {
        if (l.done && !doneSeen.has(l.digest)) {
          doneSeen.add(l.digest);
          out.write(`layer ${i + 1}/${p.layers.length} ${l.digest.replace(/^sha256:/, '').slice(0, 12)} done (${mb(l.size)} MB)\n`);
        }
      });
      if (now() - lastPlain >= (opts.plainEveryMs ?? 5000)) {
        lastPlain = now();
        out.write(`pulled ${mb(p.bytes)} of ${mb(p.totalBytes)} MB (${p.totalBytes ? Math.floor((p.bytes / p.totalBytes) * 100) : 0}%)\n`);
      }
    },
  };
}
