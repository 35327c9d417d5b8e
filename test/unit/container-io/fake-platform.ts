/**
 * In-memory test double of the platform's compute service for the IO keeper tests: compute systems are plain
 * records, processes have PassThrough stdio that the test writes to, and exit when the test says so.
 */
import { PassThrough } from 'node:stream';
import type {
  Platform, ComputeService, ComputeSystem, ComputeProcess, ComputeEvent, ProcessStdio, CreateProcessOptions,
} from '../../../src/platform/types.js';
import type { ProcessParametersDoc, ProcessStatusDoc, SystemExitStatusDoc } from '../../../src/platform/hcs/schema/index.js';
import { PlatformError, HRESULT } from '../../../src/platform/hresult.js';

export class FakeProcess {
  readonly pid: number;
  readonly params: ProcessParametersDoc;
  readonly stdin?: PassThrough;
  readonly stdout?: PassThrough;
  readonly stderr?: PassThrough;
  exitStatus: ProcessStatusDoc | undefined;
  private readonly exitWaiters: Array<(s: ProcessStatusDoc) => void> = [];
  readonly stdinData: Buffer[] = [];

  constructor(pid: number, params: ProcessParametersDoc) {
    this.pid = pid;
    this.params = params;
    if (params.CreateStdInPipe) {
      this.stdin = new PassThrough();
      this.stdin.on('data', (b: Buffer) => this.stdinData.push(b));
    }
    if (params.CreateStdOutPipe) this.stdout = new PassThrough();
    if (params.CreateStdErrPipe && !params.EmulateConsole) this.stderr = new PassThrough();
  }

  /** The process exits; its pipes stay open until endOutput() (as when a grandchild still holds them). */
  exit(code: number): void {
    if (this.exitStatus) return;
    this.exitStatus = { ProcessId: this.pid, Exited: true, ExitCode: code, LastWaitResult: 0 };
    for (const w of this.exitWaiters.splice(0)) w(this.exitStatus);
  }

  endOutput(): void {
    this.stdout?.end();
    this.stderr?.end();
  }

  waitExit(): Promise<ProcessStatusDoc> {
    if (this.exitStatus) return Promise.resolve(this.exitStatus);
    return new Promise((r) => this.exitWaiters.push(r));
  }

  /**
   * A handle as HcsCreateProcess (with stdio) or HcsOpenProcess (without) returns it; `recorded`: the handle's
   * ComputeProcess.recorded (as a platform whose record may land after createProcess returns).
   */
  handle(withStdio: boolean, recorded?: () => Promise<void>): ComputeProcess {
    const p = this;
    const stdio: ProcessStdio = withStdio ? { stdin: this.stdin, stdout: this.stdout, stderr: this.stderr } : {};
    return {
      pid: this.pid,
      stdio,
      async signal() { p.exit(1); },
      async terminate() {
        if (p.exitStatus) throw new PlatformError(HRESULT.HCS_E_PROCESS_ALREADY_STOPPED, 'HcsTerminateProcess');
        p.exit(1);
        p.endOutput();
      },
      async getProperties() { return p.exitStatus ?? { ProcessId: p.pid, Exited: false }; },
      async modify() { /* nothing to do */ },
      waitExit: () => p.waitExit(),
      ...(recorded ? { recorded } : {}),
      close() { /* handle only */ },
    };
  }
}

export class FakeSystem {
  readonly id: string;
  readonly processes = new Map<number, FakeProcess>();
  constructor(id: string) { this.id = id; }
}

export class FakeCompute implements ComputeService {
  readonly systems = new Map<string, FakeSystem>();
  readonly created: FakeProcess[] = [];
  private nextPid = 100;
  private readonly createWaiters: Array<(p: FakeProcess) => void> = [];
  /** Makes the next createProcess fail with this error. */
  failNextCreate: Error | undefined;
  /** ComputeProcess.recorded of created processes: how many were asked for, and what they await or fail with. */
  recordedCalls = 0;
  holdRecord: Promise<void> | undefined;
  failNextRecord: Error | undefined;
  /**
   * `announcesPid` (as the emulator; otherwise as HCS): createProcess tells CreateProcessOptions.onCreated the pid,
   * then "connects the pipes": waits for `connectPipes` (when set) and fails with `failNextConnect` (the process
   * terminated), if set.
   */
  announcesPid = false;
  connectPipes: Promise<void> | undefined;
  failNextConnect: Error | undefined;
  openHandles = 0;
  /** Shutdowns asked of any system; each fails with shutdownFails (not implemented unless set), or succeeds when undefined. */
  shutdownCalls = 0;
  shutdownFails: Error | undefined = new PlatformError(HRESULT.E_NOTIMPL, 'HcsShutDownComputeSystem');
  /** When set, shutdowns answer only once it settles (a platform that does not answer meanwhile). */
  holdShutdown: Promise<void> | undefined;
  /** The OOM kill count every system reports with its Statistics (none when 0). */
  oomKills = 0;

  addSystem(id: string): FakeSystem {
    const s = new FakeSystem(id);
    this.systems.set(id, s);
    return s;
  }

  /** Resolves with the n-th created process (0-based) once it exists. */
  processAt(n: number): Promise<FakeProcess> {
    if (this.created[n]) return Promise.resolve(this.created[n]);
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.created[n]) resolve(this.created[n]);
        else this.createWaiters.push(check);
      };
      this.createWaiters.push(check);
    });
  }

  async createComputeSystem(): Promise<ComputeSystem> {
    throw new PlatformError(HRESULT.E_NOTIMPL, 'HcsCreateComputeSystem');
  }

  async openComputeSystem(id: string): Promise<ComputeSystem> {
    const sys = this.systems.get(id);
    if (!sys) throw new PlatformError(HRESULT.HCS_E_SYSTEM_NOT_FOUND, 'HcsOpenComputeSystem', id);
    this.openHandles++;
    const compute = this;
    let closed = false;
    const notImpl = (op: string) => async (): Promise<never> => { throw new PlatformError(HRESULT.E_NOTIMPL, op); };
    return {
      id,
      start: notImpl('HcsStartComputeSystem'),
      shutdown: async () => {
        compute.shutdownCalls++;
        await compute.holdShutdown;
        if (compute.shutdownFails) throw compute.shutdownFails;
      },
      terminate: notImpl('HcsTerminateComputeSystem'),
      pause: notImpl('HcsPauseComputeSystem'),
      resume: notImpl('HcsResumeComputeSystem'),
      modify: notImpl('HcsModifyComputeSystem'),
      getProperties: async () => ({ Id: id, State: 'Running', ...(compute.oomKills ? { OomKillCount: compute.oomKills } : {}) }),
      async createProcess(params: ProcessParametersDoc, opts: CreateProcessOptions = {}): Promise<ComputeProcess> {
        if (compute.failNextCreate) {
          const e = compute.failNextCreate;
          compute.failNextCreate = undefined;
          throw e;
        }
        const p = new FakeProcess(compute.nextPid++, params);
        sys.processes.set(p.pid, p);
        compute.created.push(p);
        for (const w of compute.createWaiters.splice(0)) w(p);
        const recorded = async () => {
          compute.recordedCalls++;
          await compute.holdRecord;
          const e = compute.failNextRecord;
          compute.failNextRecord = undefined;
          if (e) throw e;
        };
        if (compute.announcesPid && opts.onCreated) {
          opts.onCreated({ pid: p.pid, ackedOutput: false, recorded });
          await compute.connectPipes;
          const e = compute.failNextConnect;
          compute.failNextConnect = undefined;
          if (e) { p.exit(1); p.endOutput(); throw e; }
        }
        return p.handle(true, recorded);
      },
      async openProcess(pid: number): Promise<ComputeProcess> {
        const p = sys.processes.get(pid);
        if (!p || p.exitStatus) throw new PlatformError(HRESULT.ERROR_NOT_FOUND, 'HcsOpenProcess', String(pid));
        return p.handle(false);
      },
      waitExit: () => new Promise<SystemExitStatusDoc>(() => undefined),
      onEvent(_l: (e: ComputeEvent) => void) { /* no events */ },
      close() { if (!closed) { closed = true; compute.openHandles--; } },
    };
  }

  async enumerateComputeSystems() { return [...this.systems.keys()].map((Id) => ({ Id })); }
  async getServiceProperties() { return { SupportedSchemaVersions: [{ Major: 2, Minor: 1 }] }; }
  async queryServiceProperties(): Promise<unknown[]> { throw new PlatformError(HRESULT.E_NOTIMPL, 'HcsGetServiceProperties', 'not used by the IO keeper tests'); }
  async modifyServiceSettings(): Promise<void> { throw new PlatformError(HRESULT.E_NOTIMPL, 'HcsModifyServiceSettings', 'not used by the IO keeper tests'); }
  async grantVmAccess(): Promise<void> { throw new PlatformError(HRESULT.E_NOTIMPL, 'HcsGrantVmAccess', 'not used by the IO keeper tests'); }
  async close(): Promise<void> { /* nothing */ }
}

export function fakePlatform(): { platform: Platform; compute: FakeCompute } {
  const compute = new FakeCompute();
  const unsupported = new Proxy({}, {
    get: (_t, prop) => async () => { throw new Error(`fake platform: ${String(prop)} is not implemented`); },
  });
  const platform: Platform = {
    name: 'emulator',
    compute,
    jobs: new Proxy({}, {
      get: (_t, prop) => (prop === 'fileBinding' ? true : async () => { throw new Error(`fake platform: jobs.${String(prop)} is not implemented`); }),
    }) as Platform['jobs'],
    network: unsupported as Platform['network'],
    storage: unsupported as Platform['storage'],
    host: { osVersion: '10.0.20348', architecture: 'amd64' },
    async close() { /* nothing */ },
  };
  return { platform, compute };
}
