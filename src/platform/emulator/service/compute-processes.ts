/**
 * Processes of compute systems (HcsCreateProcess and friends): launch (launch.ts, console.ts, job-launch.ts),
 * exit reporting, signals; their stdio (handles, attachments) is compute-stdio.ts.
 */
import type { Readable, Writable } from 'node:stream';
import { PlatformError, HRESULT } from '../../hresult.js';
import {
  ProcessParameters, SignalProcessOptions, type ProcessParametersDoc, type ProcessStatusDoc,
} from '../../hcs/schema/index.js';
import { readStat } from './procfs.js';
import { procKey } from './process-forget.js';
import type { ProcRecord, SystemRecord } from './records.js';
import { spawnWithOutput, abandonSpawned } from './process-output.js';
import { removeStatusFile } from './exit-status.js';
import { parseDoc } from './documents.js';
import { SIGNALS, exitCodeOf, killGroup } from './signals.js';
import { planLaunch, type LaunchPlan } from './launch.js';
import { ptyHelper, consoleLaunch, ptySpoolArgs } from './console.js';
import { helperSpoolArgs } from './ns-helper.js';
import type { FifoPaths } from './stdio-fifo.js';
import { planJobLaunch } from './job-launch.js';
import { programPid } from './enter-shell.js';
import { nsHelper } from './ns-helper.js';
import { readPidLine } from './pid-pipe.js';
import { readOom, ensureIsolationCgroup } from './isolate.js';
import { ensureJobCgroup } from './job-limits.js';
import { supersedeRecords } from './pid-reuse.js';

import { ComputeStdio } from './compute-stdio.js';
import { checkVmRuns } from './hosted-pause.js';

export abstract class ComputeProcesses extends ComputeStdio {
  /**
   * `recordLater`: the answer does not wait for the record write (processRecorded does): the caller overlaps its
   * own record write with it. A service killed before it lands leaves the launch's intent without a record: its
   * successor kills the process (launch-intents.ts) — which is why the caller must not report it before.
   * The caller gets a handle on the process (released with forget.releaseHandle): counted from the moment the
   * record exists, so a process that exits at once is not forgotten before its creator heard of it.
   */
  async createProcess(id: unknown, text: unknown, recordLater = false): Promise<{ pid: number; streams: ProcRecord['streams'] }> {
    const op = 'HcsCreateProcess';
    const s = this.sys(op, id);
    const params: ProcessParametersDoc = parseDoc(ProcessParameters, op, text, false);
    if (s.state !== 'Running') throw new PlatformError(HRESULT.HCS_E_INVALID_STATE, op, `compute system ${s.id} is ${s.state}`);
    checkVmRuns(op, this.systems, s); // a hosted system's VM is paused: no process starts in it
    // The process joins the system's recorded cgroup: made again where it is gone (cgroup-recreate.ts).
    if (s.job) ensureJobCgroup(op, s, this.log);
    else if (s.isolation?.cgroup) ensureIsolationCgroup(op, s, this.systems.get(s.document.HostingSystemId ?? ''), this.log);
    const plan = s.job
      ? planJobLaunch(op, s, params, this.hostPath)
      : planLaunch(op, s, params, { hostPath: this.hostPath, netns: this.netnsOf, stateDir: this.stateDir,
        nsHelper: s.isolation ? await nsHelper(this.stateDir) : undefined });
    const { console } = plan;
    // A console process runs on a pseudo-terminal (console.ts): the helper's own errors go to stdout as well.
    const { file, args, argv0 } = console
      ? { ...consoleLaunch(await ptyHelper(op, this.stateDir), plan, params.ConsoleSize), argv0: undefined }
      : plan;
    // The helper's launch is on disk before it runs, so a service killed before the record below is saved leaves
    // nothing its successor does not know (launch-intents.ts).
    // The intent goes once the process record is on disk (settleIntent), or now if the launch failed.
    if (plan.statusFile) this.intents.begin({ system: s.id, statusFile: plan.statusFile });
    try {
      return await this.launch(s, params, plan, file, args, argv0, console, recordLater);
    } catch (e) {
      this.intents.end(plan.statusFile);
      throw e;
    }
  }

  /** A launch whose record write failed keeps its intent until a later save holds the record (save()). */
  private settleIntent(statusFile: string | undefined, recorded: boolean): void {
    if (!statusFile) return;
    if (recorded) this.intents.end(statusFile); else this.unsettled.add(statusFile);
  }

  private async launch(
    s: SystemRecord, params: ProcessParametersDoc, plan: LaunchPlan, file: string, args: string[], argv0: string | undefined, console: boolean, recordLater: boolean,
  ): Promise<{ pid: number; streams: ProcRecord['streams'] }> {
    const op = 'HcsCreateProcess';
    const { cwd, env, streams } = plan;
    // Output goes through FIFOs that survive the service (process-output.ts).
    // A helper that outlives the service owns the program's stdio: the pty helper's relay for a console, the
    // namespace helper's waiter otherwise (process-output.ts).
    const spoolArgs = console ? (f: FifoPaths) => [...ptySpoolArgs(f), ...args]
      : plan.spool ? (f: FifoPaths) => [args[0]!, ...helperSpoolArgs(f), ...args.slice(1)] : undefined;
    const spawned = await spawnWithOutput(op, this.stateDir,
      { file, args, argv0, cwd, env, streams, errTarget: plan.errTarget, console, pidPipe: plan.pidFd !== undefined, spoolArgs }, params.CommandLine ?? '');
    const { child, out, err, fifos } = spawned;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    child.once('exit', (code, signal) => { exit = { code, signal }; });
    child.stdin?.on('error', () => undefined);
    let pid = child.pid!;
    let wrapper: ProcRecord['wrapper'];
    if (plan.isolated) {
      // The wrapper forked the program into the system's PID namespace: record the program (its own process
      // group). The namespace helper reports its pid on a pipe; nsenter's child is found in /proc.
      const wst = readStat(pid);
      const prog = plan.pidFd !== undefined
        ? await readPidLine(child.stdio[plan.pidFd] as Readable, op, plan.program).catch((e: unknown) => {
          // The program could not be started (HCS fails the call): the helper exits by itself.
          abandonSpawned(spawned, () => removeStatusFile(plan.statusFile));
          throw e;
        })
        : await programPid(pid, () => exit !== undefined);
      if (prog) { wrapper = { pid, startTicks: wst?.starttime ?? 0 }; pid = prog; }
    }
    try {
      await this.checkpoint('HcsCreateProcess:started');
      // The system was terminated or shut down while this process was being made (a creator that went away, e.g.
      // an IO keeper killed mid-start, whose runtime then ended the container): the process dies with its system.
      if (this.stoppingOrStopped(s)) {
        this.log(`process ${pid} of ${s.id} ended: its compute system stopped while the process was being created`);
        throw new PlatformError(HRESULT.HCS_E_INVALID_STATE, op, `compute system ${s.id} stopped while its process was being created; the process was ended with it`);
      }
    } catch (e) {
      // The program runs but the call fails: it must not outlive the failure unrecorded.
      killGroup(pid, 'SIGKILL');
      if (wrapper) killGroup(wrapper.pid, 'SIGKILL');
      abandonSpawned(spawned, () => removeStatusFile(plan.statusFile));
      throw e;
    }
    const st = readStat(pid);
    const rec: ProcRecord = { pid, startTicks: st?.starttime ?? 0, commandLine: params.CommandLine ?? '', exited: false, streams,
      ...(wrapper ? { wrapper } : {}), ...(fifos ? { fifos } : {}), ...(fifos && spoolArgs ? { spooled: true } : {}), ...(plan.statusFile ? { statusFile: plan.statusFile } : {}) };
    supersedeRecords({ live: this.live, markAdoptedExit: (x, y) => this.markAdoptedExit(x, y), log: this.log }, s, pid);
    s.processes.push(rec);
    this.forget.addHandle(s.id, pid);
    const lp = this.liveOf(s.id, pid);
    lp.child = child;
    lp.out = out;
    lp.err = err;
    lp.stdin = spawned.stdin;
    if (console) {
      lp.console = child.stdio[3] as Writable;
      lp.console.on('error', () => undefined);
    }
    const onExit = (e: NonNullable<typeof exit>) => {
      lp.child = undefined;
      lp.console?.destroy();
      lp.console = undefined;
      readOom(s);
      this.markExited(s, rec, exitCodeOf(e.code, e.signal), 0);
    };
    if (exit) onExit(exit); else child.once('exit', (code, signal) => onExit({ code, signal }));
    const saved = this.save().then((ok) => { this.settleIntent(plan.statusFile, ok); return ok; });
    try {
      await this.recording.track(procKey(s.id, pid), saved, recordLater, op);
    } catch (e) {
      // The call fails (the record write did): its caller got no handle, so the one counted for it goes.
      this.forget.releaseHandle(s.id, pid);
      throw e;
    }
    this.log(`process ${pid} created in ${s.id}: ${params.CommandLine ?? ""}`);
    return { pid, streams };
  }

  /** Resolves once the record of a process created with `recordLater` is on disk (at once for any other). */
  async processRecorded(id: unknown, pid: unknown): Promise<void> {
    const { s, p } = this.proc('ProcessRecorded', id, pid);
    await this.recording.wait(procKey(s.id, p.pid));
  }

  /** The caller gets a handle on the process (released with forget.releaseHandle). */
  openProcess(id: unknown, pid: unknown): ProcessStatusDoc {
    const { s, p } = this.proc('HcsOpenProcess', id, pid);
    this.forget.addHandle(s.id, p.pid);
    return this.statusOf(p);
  }

  async signalProcess(id: unknown, pid: unknown, text: unknown): Promise<void> {
    const op = 'HcsSignalProcess';
    const { p } = this.proc(op, id, pid);
    const o = parseDoc(SignalProcessOptions, op, text, true);
    if (p.exited) throw new PlatformError(HRESULT.HCS_E_PROCESS_ALREADY_STOPPED, op, `process ${p.pid} has exited`);
    if (!o.Signal) throw new PlatformError(HRESULT.E_INVALIDARG, op, 'Signal is required');
    killGroup(p.pid, SIGNALS[o.Signal]!);
  }

  async terminateProcess(id: unknown, pid: unknown): Promise<void> {
    const op = 'HcsTerminateProcess';
    const { s, p } = this.proc(op, id, pid);
    if (p.exited) throw new PlatformError(HRESULT.HCS_E_PROCESS_ALREADY_STOPPED, op, `process ${p.pid} has exited`);
    killGroup(p.pid, 'SIGKILL');
    killGroup(p.pid, 'SIGCONT');
    void s;
  }

  async processProperties(id: unknown, pid: unknown): Promise<ProcessStatusDoc> {
    const { s, p } = this.proc('HcsGetProcessProperties', id, pid);
    // An observed exit is durable, and one that came with its VM's death is seen after the VM's (vm-watch.ts).
    if (p.exited) await Promise.all([this.vms.hostingSettled(s), this.persist.flush()]);
    return this.statusOf(p);
  }

  waitProcess(id: unknown, pid: unknown): Promise<ProcessStatusDoc> {
    const { s, p } = this.proc('HcsWaitForProcessExit', id, pid);
    if (p.exited) return Promise.all([this.vms.hostingSettled(s), this.persist.flush()]).then(() => this.statusOf(p));
    return new Promise((res) => this.liveOf(s.id, p.pid).waiters.push(res));
  }
}
