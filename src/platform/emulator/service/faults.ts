/**
 * Fault injection: the next N calls of a named operation fail with a given HRESULT (and/or are delayed; clearing
 * the operation's faults ends a delay in progress).
 */
import { PlatformError } from '../../hresult.js';

export interface FaultSpec { op: string; hresult: number; count: number; delayMs?: number }

export class Faults {
  private faults = new Map<string, FaultSpec[]>();
  /** Delays in progress, by op: clearing the op's faults ends them (the held call goes on at once). */
  private held = new Map<string, Set<() => void>>();

  /** `log` is told each time a fault fires (tests wait for it: the faulted call has reached the service). */
  constructor(private readonly log?: (line: string) => void) {}

  inject(spec: FaultSpec): void {
    if (!spec.op || !(spec.count > 0)) throw new PlatformError(0x80070057, 'injectFault', 'op and a positive count are required');
    const list = this.faults.get(spec.op) ?? [];
    list.push({ ...spec });
    this.faults.set(spec.op, list);
  }

  clear(op?: string): void {
    if (op) this.faults.delete(op); else this.faults.clear();
    for (const [k, set] of this.held) if (!op || k === op) for (const release of set) release();
  }

  /** Called before every operation; consumes one armed fault for `op`. */
  async check(op: string): Promise<void> {
    const list = this.faults.get(op);
    if (!list || list.length === 0) return;
    const f = list[0]!;
    f.count--;
    if (f.count <= 0) list.shift();
    if (list.length === 0) this.faults.delete(op);
    this.log?.(`fault fired: ${op}${f.delayMs ? ` delayed ${f.delayMs} ms` : ''}${f.hresult ? ` fails with 0x${f.hresult.toString(16)}` : ''}`);
    if (f.delayMs) await this.hold(op, f.delayMs);
    if (f.hresult) throw new PlatformError(f.hresult, op, 'injected fault', { Error: f.hresult | 0, ErrorMessage: 'injected fault' });
  }

  private hold(op: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const set = this.held.get(op) ?? new Set<() => void>();
      this.held.set(op, set);
      const release = () => {
        clearTimeout(timer);
        set.delete(release);
        if (set.size === 0 && this.held.get(op) === set) this.held.delete(op);
        resolve();
      };
      const timer = setTimeout(release, ms);
      set.add(release);
    });
  }
}
