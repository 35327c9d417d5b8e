/**
 * One StopContainer per container at a time, as the kubelet expects: a stop asked while another is in flight sends
 * no second graceful signal and does not return before that one ended. It cuts the grace period of the stop in
 * flight to its own timeout when that ends sooner (a forced stop — RemoveContainer, StopPodSandbox, a shorter grace
 * from the kubelet — is not held up by a longer one; CRI-O does the same), waits for that stop to end, then takes its
 * own turn: the container has stopped by then and it returns, or that stop failed and it stops the container itself
 * (terminating at once when the failure left it unended: stop-unended.ts). One stop at a time also keeps a stop's
 * marks its own: the shutdown ask it leaves in st.stopAsked is cleared by no other stop (exits.ts).
 */
import { setLongTimeout, type LongTimeout } from '../util/long-timer.js';
import type { RuntimeState } from './state.js';

export class StopTurn {
  /** When (performance.now()) a later stop wants the grace period over at the latest. */
  private cap = Infinity;
  private rearm: (() => void) | undefined;
  private finish!: () => void;
  /** Resolves when the stop has ended (failed or not). */
  readonly done = new Promise<void>((r) => { this.finish = r; });

  constructor(readonly timeoutSeconds: number) {}

  /** Whether the stop still has a grace period to give: a timeout, not cut to nothing by a later stop. */
  get graceful(): boolean {
    return this.timeoutSeconds > 0 && this.cap > performance.now();
  }

  /** A later stop's timeout: the grace period ends no later than that stop's would. */
  shorten(timeoutSeconds: number): void {
    this.cap = Math.min(this.cap, performance.now() + timeoutSeconds * 1000);
    this.rearm?.();
  }

  /** True once `exited` resolves; false once the grace period (from now, or cut by a later stop) is over first. */
  async graceWait(exited: Promise<void>): Promise<boolean> {
    const end = performance.now() + this.timeoutSeconds * 1000;
    let timer: LongTimeout | undefined;
    try {
      return await new Promise<boolean>((resolve) => {
        this.rearm = () => {
          timer?.clear();
          const left = Math.min(end, this.cap) - performance.now();
          if (left <= 0) resolve(false);
          else timer = setLongTimeout(() => this.rearm?.(), left);
        };
        this.rearm();
        void exited.then(() => resolve(true));
      });
    } finally {
      timer?.clear();
      this.rearm = undefined;
    }
  }

  /** Called once the stop has ended. */
  end(): void { this.finish(); }
}

/** Waits for the stops in flight (cutting their grace to `timeoutSeconds`), then registers this one. */
export async function takeStopTurn(st: RuntimeState, id: string, timeoutSeconds: number): Promise<StopTurn> {
  for (let cur = st.stops.get(id); cur; cur = st.stops.get(id)) {
    cur.shorten(timeoutSeconds);
    await cur.done;
  }
  const turn = new StopTurn(timeoutSeconds);
  st.stops.set(id, turn);
  return turn;
}

export function endStopTurn(st: RuntimeState, id: string, turn: StopTurn): void {
  if (st.stops.get(id) === turn) st.stops.delete(id);
  turn.end();
}
