/**
 * HCS operations and events, without blocking the event loop.
 *
 * One HCS_OPERATION per call (as hcsshim): created with our process-wide completion callback and a numeric
 * context id, handed to the verb, and closed once its result has been read. HCS invokes the completion callback
 * on one of its own threads; koffi queues the call to the JS thread, where the result document (and process
 * information) is read with HcsGetOperationResult[AndProcessInfo] and the operation is closed (allowed from
 * inside the callback per the documentation). If the verb itself fails, the error document is fetched from the
 * never-started operation (hcsshim's pattern).
 *
 * System and process event callbacks use one registered HCS_EVENT_CALLBACK and numeric context ids as well.
 * HcsCloseComputeSystem / HcsCloseProcess wait for in-flight callbacks to drain: called on the JS thread they
 * could deadlock (the in-flight callback waits for the JS thread), so they run as koffi async calls on a worker
 * thread, and the context id is released only after the close has returned.
 */
import { HRESULT, PlatformError } from '../hresult.js';
import {
  register, unregister, decodeEvent, callAsync, isNull, HCS_OPERATION_COMPLETION, HCS_EVENT_CALLBACK,
  takeString, hcsError, failed, type Bindings, type Pointer, type ProcessInformation, type KFunc,
} from './ffi/index.js';

export interface OperationResult { document?: string; processInformation?: ProcessInformation }

interface Pending {
  name: string;
  processInfo: boolean;
  resolve(r: OperationResult): void;
  reject(e: Error): void;
}

export type EventListener = (type: number, data: string | undefined) => void;

export class HcsRuntime {
  private readonly pending = new Map<number, Pending>();
  private readonly targets = new Map<number, EventListener>();
  private readonly closes = new Set<Promise<void>>();
  private readonly inflight = new Set<Promise<void>>();
  private nextId = 1;
  readonly opCallback: bigint;
  readonly eventCallback: bigint;
  private disposed = false;
  private holds = 0;
  private keepAlive?: NodeJS.Timeout;

  constructor(private readonly b: Bindings) {
    this.opCallback = register((op: Pointer, ctx: number | bigint) => this.completed(op, Number(ctx)), HCS_OPERATION_COMPLETION);
    this.eventCallback = register((ev: Pointer, ctx: number | bigint) => this.event(ev, Number(ctx)), HCS_EVENT_CALLBACK);
  }

  /**
   * Keeps the event loop alive while something waits for a callback: koffi queues foreign-thread callbacks onto
   * the JS thread but does not hold the loop open for them, so a process awaiting only an HCS completion or an
   * exit event would otherwise end with the promise pending.
   */
  hold(): void { if (this.holds++ === 0) this.keepAlive = setInterval(() => undefined, 1 << 30); }
  release(): void { if (this.holds > 0 && --this.holds === 0) { clearInterval(this.keepAlive); this.keepAlive = undefined; } }

  private id(): number {
    const id = this.nextId++;
    if (this.nextId > 0x7fffffff) this.nextId = 1;
    return id;
  }

  /** Runs one HCS verb with a fresh operation; resolves with its result document once it completes. */
  run(name: string, verb: (op: Pointer) => number, opts: { processInfo?: boolean } = {}): Promise<OperationResult> {
    const hcs = this.b.hcs;
    const id = this.id();
    const op = hcs.HcsCreateOperation(id, this.opCallback) as Pointer;
    if (isNull(op)) return Promise.reject(new PlatformError(HRESULT.E_OUTOFMEMORY, 'HcsCreateOperation'));
    const p = new Promise<OperationResult>((resolve, reject) => {
      this.hold();
      this.pending.set(id, {
        name, processInfo: !!opts.processInfo,
        resolve: (r) => { this.release(); resolve(r); },
        reject: (e) => { this.release(); reject(e); },
      });
      let hr: number;
      try {
        hr = verb(op);
      } catch (e) {
        this.pending.delete(id);
        this.release();
        hcs.HcsCloseOperation(op);
        reject(e as Error);
        return;
      }
      if (failed(hr)) {
        this.pending.delete(id);
        this.release();
        const out: Pointer[] = [null];
        hcs.HcsGetOperationResult(op, out);
        const doc = takeString(out[0], this.b.localFree);
        hcs.HcsCloseOperation(op);
        reject(hcsError(hr, name, doc));
      }
    });
    const settled = p.then(() => undefined, () => undefined);
    this.inflight.add(settled);
    void settled.then(() => this.inflight.delete(settled));
    return p;
  }

  private completed(op: Pointer, ctx: number): void {
    const hcs = this.b.hcs;
    const p = this.pending.get(ctx);
    if (!p) { hcs.HcsCloseOperation(op); return; }
    this.pending.delete(ctx);
    const out: Pointer[] = [null];
    let hr: number;
    let info: ProcessInformation | undefined;
    if (p.processInfo) {
      const pi = {} as ProcessInformation;
      hr = hcs.HcsGetOperationResultAndProcessInfo(op, pi, out) as number;
      if (!failed(hr)) info = pi;
    } else {
      hr = hcs.HcsGetOperationResult(op, out) as number;
    }
    let doc: string | undefined;
    try { doc = takeString(out[0], this.b.localFree); } finally { hcs.HcsCloseOperation(op); }
    if (failed(hr)) p.reject(hcsError(hr, p.name, doc));
    else p.resolve({ document: doc, processInformation: info });
  }

  subscribe(listener: EventListener): number {
    const id = this.id();
    this.targets.set(id, listener);
    return id;
  }

  private event(ev: Pointer, ctx: number): void {
    const l = this.targets.get(ctx);
    if (!l || isNull(ev)) return;
    const e = decodeEvent(ev);
    try { l(e.Type, e.EventData ?? undefined); } catch { /* listener errors are the listener's business */ }
  }

  /** Closes a system/process handle on a worker thread, then releases its event context. */
  closeHandle(close: KFunc, handle: Pointer, eventContext: number | undefined): Promise<void> {
    const p = callAsync<void>(close, handle).then(
      () => { if (eventContext !== undefined) this.targets.delete(eventContext); },
      () => { if (eventContext !== undefined) this.targets.delete(eventContext); },
    );
    this.closes.add(p);
    void p.finally(() => this.closes.delete(p));
    return p;
  }

  /** Operations still waiting for completion (for tests and orderly shutdown). */
  get pendingOperations(): number { return this.pending.size; }

  /** Waits for handle closes; releases the callbacks once nothing can call them any more. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    // Operations are never abandoned mid-flight (hcsshim learned that freeing handles under a running computecore
    // call crashes inside the DLL): wait for them, then for handle closes.
    while (this.inflight.size > 0 || this.closes.size > 0) await Promise.all([...this.inflight, ...this.closes]);
    if (this.pending.size === 0 && this.targets.size === 0) {
      unregister(this.opCallback);
      unregister(this.eventCallback);
    }
  }
}
