/**
 * A process of a job container, behind a process handle this daemon holds (created, or opened by pid): exit status
 * (GetExitCodeProcess once the handle is signalled; the job's tracker calls poll()), console control signals,
 * termination, closing stdin, resizing its pseudo console (TTY), which is closed once the process exited (that ends
 * the console's output).
 */
import type { ComputeProcess, ProcessStdio } from '../../types.js';
import type { ProcessModifyRequestDoc, ProcessStatusDoc, SignalProcessOptionsDoc } from '../../hcs/schema/index.js';
import { PlatformError, HRESULT } from '../../hresult.js';
import { type Bindings, type Pointer, isNull, failed, win32Error, WAIT_OBJECT_0 } from '../ffi/index.js';
import { sendCtrl } from './control.js';
import type { JobTracker, Watched } from './tracker.js';

export class WinJobProcess implements ComputeProcess, Watched {
  private status?: ProcessStatusDoc;
  private readonly waiters: ((s: ProcessStatusDoc) => void)[] = [];
  private closed = false;
  constructor(
    private readonly b: Bindings, private readonly h: Pointer, readonly pid: number, readonly stdio: ProcessStdio,
    private readonly t: JobTracker, private console: Pointer = null,
  ) {
    t.add(this);
  }
  private closeConsole(): void {
    if (isNull(this.console)) return;
    this.b.console.ClosePseudoConsole(this.console);
    this.console = null;
  }
  get waiting(): boolean { return this.waiters.length > 0; }

  poll(): void {
    if (this.status || this.closed) return;
    if ((this.b.proc.WaitForSingleObject(this.h, 0) as number) !== WAIT_OBJECT_0) return;
    const code = [0];
    const ok = this.b.proc.GetExitCodeProcess(this.h, code);
    this.status = { ProcessId: this.pid, Exited: true, ExitCode: ok ? code[0]! >>> 0 : 0xffffffff, LastWaitResult: 0 };
    this.closeConsole();
    for (const w of this.waiters.splice(0)) w(this.status);
    this.t.emit({ type: 'ProcessExited', data: this.status });
  }

  private live(op: string): void {
    if (this.closed) throw new PlatformError(HRESULT.E_HANDLE, op, 'the process handle is closed');
    this.poll();
    if (this.status) throw new PlatformError(HRESULT.HCS_E_PROCESS_ALREADY_STOPPED, op, `process ${this.pid} has exited`);
  }

  async signal(options: SignalProcessOptionsDoc): Promise<void> {
    this.live('SignalJobProcess');
    sendCtrl(this.b, this.h, options.Signal ?? 'CtrlShutdown', this.pid);
  }
  async terminate(): Promise<void> {
    this.live('TerminateJobProcess');
    if (!this.b.proc.TerminateProcess(this.h, 1)) {
      const code = this.b.jobs.GetLastError() as number;
      this.poll();
      if (this.status || code === 5) throw new PlatformError(HRESULT.HCS_E_PROCESS_ALREADY_STOPPED, 'TerminateJobProcess', `process ${this.pid} has exited`);
      throw win32Error(code, 'TerminateProcess', `process ${this.pid}`);
    }
  }
  async getProperties(): Promise<ProcessStatusDoc> {
    if (this.closed) throw new PlatformError(HRESULT.E_HANDLE, 'GetJobProcessProperties', 'the process handle is closed');
    this.poll();
    return this.status ?? { ProcessId: this.pid, Exited: false };
  }
  async modify(request: ProcessModifyRequestDoc): Promise<void> {
    this.live('ModifyJobProcess');
    if (request.Operation === 'CloseHandle') {
      const which = request.CloseHandle?.Handle;
      if (which === 'StdIn' || which === 'All') this.stdio.stdin?.end();
      if (which === 'StdOut' || which === 'All') this.stdio.stdout?.destroy();
      if (which === 'StdErr' || which === 'All') this.stdio.stderr?.destroy();
      return;
    }
    if (request.Operation === 'ConsoleSize' && request.ConsoleSize) {
      if (isNull(this.console)) throw new PlatformError(HRESULT.HCS_E_INVALID_STATE, 'ModifyJobProcess', `process ${this.pid} has no console (it was started without tty)`);
      const hr = this.b.console.ResizePseudoConsole(this.console, { X: request.ConsoleSize.Width ?? 80, Y: request.ConsoleSize.Height ?? 25 }) as number;
      if (failed(hr)) throw new PlatformError(hr >>> 0, 'ResizePseudoConsole');
      return;
    }
    throw new PlatformError(HRESULT.E_INVALIDARG, 'ModifyJobProcess', `unknown process modify operation ${String(request.Operation)}`);
  }
  waitExit(): Promise<ProcessStatusDoc> {
    if (this.status) return Promise.resolve(this.status);
    const p = new Promise<ProcessStatusDoc>((res) => this.waiters.push(res));
    this.poll();
    this.t.schedule();
    return p;
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.t.remove(this);
    this.closeConsole();
    this.b.win32.CloseHandle(this.h);
  }
}
