/**
 * A process handle of computecore (HcsCreateProcess / HcsOpenProcess): its verbs, its exit (the ProcessExited event
 * through HcsSetProcessCallback, registered before any wait; a process that exited before it was opened is found by
 * one properties query), and HcsGetProcessInfo's std handles for a reader taking the output over.
 */
import type { ComputeProcess, ProcessStdio } from '../types.js';
import type { ProcessStatusDoc, SignalProcessOptionsDoc, ProcessModifyRequestDoc } from '../hcs/schema/index.js';
import { lostProcessExit } from '../hcs/document/index.js';
import { HRESULT } from '../hresult.js';
import { hcsError, failed, parseJson, HcsEventType, HcsEventOptionNone, type Bindings, type Pointer, type KFunc } from './ffi/index.js';
import type { HcsRuntime } from './operations.js';
import { stdioOf } from './compute-stdio.js';
import { ExitLatch } from './exit-latch.js';
import { runVerb } from './compute-verb.js';

/** Reserved "options" arguments: hcsshim passes an empty string, which is what runs in production. */
export const NO_OPTIONS = '';

export const json = (v: unknown): string => JSON.stringify(v);

export class WinProcess implements ComputeProcess {
  private closed = false;
  private readonly exit: ExitLatch<ProcessStatusDoc>;
  private probed = false;
  readonly eventContext: number;
  constructor(
    private readonly b: Bindings, private readonly rt: HcsRuntime, private readonly handle: Pointer,
    public pid: number, public stdio: ProcessStdio, private readonly onExit: (s: ProcessStatusDoc) => void,
  ) {
    this.exit = new ExitLatch(rt, () => hcsError(HRESULT.E_HANDLE, 'HcsGetProcessProperties',
      `the handle of process ${this.pid} was closed before its exit was seen; open the process again to wait for it`));
    this.eventContext = rt.subscribe((type, data) => {
      if (type === HcsEventType.ProcessExited) {
        let s: ProcessStatusDoc;
        try { s = parseJson<ProcessStatusDoc>(data, 'ProcessExited'); } catch { s = lostProcessExit(this.pid, HRESULT.E_FAIL); }
        this.exited(s);
      } else if (type === HcsEventType.ServiceDisconnect) {
        this.exited(lostProcessExit(this.pid, HRESULT.HCS_E_SERVICE_DISCONNECT));
      }
    });
    const hr = b.hcs.HcsSetProcessCallback(handle, HcsEventOptionNone, this.eventContext, rt.eventCallback) as number;
    if (failed(hr)) throw hcsError(hr, 'HcsSetProcessCallback');
  }
  private exited(s: ProcessStatusDoc): void {
    if (this.exit.settle(s)) this.onExit(s);
  }
  private verb(name: string, f: KFunc, arg?: string): Promise<string | undefined> {
    return runVerb(this.rt, this.handle, this.closed ? 'the process handle is closed' : undefined, name, f, arg);
  }
  async signal(options: SignalProcessOptionsDoc): Promise<void> { await this.verb('HcsSignalProcess', this.b.hcs.HcsSignalProcess, json(options)); }
  async terminate(): Promise<void> { await this.verb('HcsTerminateProcess', this.b.hcs.HcsTerminateProcess, NO_OPTIONS); }
  async getProperties(): Promise<ProcessStatusDoc> {
    const doc = await this.verb('HcsGetProcessProperties', this.b.hcs.HcsGetProcessProperties, '');
    const s = parseJson<ProcessStatusDoc>(doc, 'HcsGetProcessProperties');
    if (s.Exited) this.exited(s);
    return s;
  }
  async modify(request: ProcessModifyRequestDoc): Promise<void> { await this.verb('HcsModifyProcess', this.b.hcs.HcsModifyProcess, json(request)); }
  /**
   * HcsGetProcessInfo on an opened process: its std handles (the initial startup info) as the caller's streams,
   * which is how a restarted IO keeper takes the output over. Only the output is kept; a stdin handle is closed.
   * That a process other than the creator gets working pipe handles this way is what hcsshim's StdioLegacy
   * relies on for a still-open handle; for a new client it is not verified on Windows (reference/hcs.md §8).
   */
  async reopenOutput(): Promise<ProcessStdio> {
    if (this.closed) throw hcsError(HRESULT.E_HANDLE, 'HcsGetProcessInfo', 'the process handle is closed');
    const r = await this.rt.run('HcsGetProcessInfo', (op) => this.b.hcs.HcsGetProcessInfo(this.handle, op) as number, { processInfo: true });
    const info = r.processInformation;
    if (!info) return {};
    const { stdin, stdout, stderr } = stdioOf(this.b, info);
    stdin?.destroy();
    return { ...(stdout ? { stdout } : {}), ...(stderr ? { stderr } : {}) };
  }
  waitExit(): Promise<ProcessStatusDoc> {
    if (this.exit.done) return this.exit.wait();
    const p = this.exit.wait();
    if (!this.probed) {
      // An exit that happened before our callback was registered (open of an exited process) has no event.
      this.probed = true;
      this.getProperties().catch(() => undefined);
    }
    return p;
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.exit.close();
    void this.rt.closeHandle(this.b.hcs.HcsCloseProcess, this.handle, this.eventContext);
  }
}
