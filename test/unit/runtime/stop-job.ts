/**
 * StopContainer tests on a stand-in HostProcess job: a runtime with running container c1 (init pid 4) whose job and
 * init record the calls made on them. The init ignores CtrlShutdown; its termination — or the job's shutdown, for
 * `shutdownEnds` — reports the exit as the IO keeper would (after asking the job to shut down itself, when
 * `keeperAsked`). restart() is a daemon restart: a new state over the same records (recover() runs on it: the job
 * is listed while `listed.job`), the job's exits reported to it from then on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuntimeState, type StoredContainer, type RuntimeOptions } from '../../../src/runtime/state.js';
import { RecordStore } from '../../../src/runtime/store.js';
import { handleExit } from '../../../src/runtime/exits.js';
import type { SandboxRecord } from '../../../src/runtime/model.js';
import { PlatformError, HRESULT } from '../../../src/platform/hresult.js';

export interface StopJobOptions {
  /** How many of the next terminate calls of the job / of its init fail (timeout / access denied). */
  fails: { system: number; proc: number };
  /** The init cannot be opened (access denied): the stop asks the whole job to shut down. */
  noInitHandle?: boolean;
  /** The job's shutdown ends the init (a program handling CtrlShutdown). */
  shutdownEnds?: boolean;
  /** The job's shutdown is refused (nothing asked). */
  shutdownRefused?: boolean;
  keeperAsked?: boolean;
}

export async function stopJob(t: { after(fn: () => void): void }, o: StopJobOptions) {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-stop-job-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const calls: string[] = [];
  let stop!: () => void;
  const stopped = new Promise<{ Status: number }>((r) => { stop = () => r({ Status: 0 }); });
  let st!: RuntimeState;
  const exit = () => void handleExit(st, { containerId: 'c1', pid: 4, exitCode: 1, exitedAt: '1765000000000000000', ...(o.keeperAsked ? { shutdownAsked: true } : {}) });
  const init = {
    pid: 4,
    signal: async () => { calls.push('signal'); },
    terminate: async () => {
      calls.push('init terminate');
      if (o.fails.proc > 0) { o.fails.proc--; throw new PlatformError(HRESULT.E_ACCESSDENIED, 'TerminateJobProcess', 'injected'); }
      exit();
    },
    close: () => undefined,
  };
  const job = {
    id: 'c1',
    openProcess: async () => {
      if (o.noInitHandle) throw new PlatformError(HRESULT.E_ACCESSDENIED, 'OpenJobProcess', 'injected');
      return init;
    },
    waitExit: () => stopped,
    shutdown: async () => {
      calls.push('shutdown');
      if (o.shutdownRefused) throw new PlatformError(HRESULT.E_FAIL, 'ShutdownJobContainer', 'injected');
      if (o.shutdownEnds) exit();
    },
    terminate: async () => {
      calls.push('terminate');
      if (o.fails.system > 0) { o.fails.system--; throw new PlatformError(HRESULT.HCS_E_OPERATION_TIMEOUT, 'TerminateJobObject', 'injected'); }
      stop();
    },
    close: () => { calls.push('close'); },
  };
  const gone = async (): Promise<never> => { throw new PlatformError(HRESULT.HCS_E_SYSTEM_NOT_FOUND, 'HcsOpenComputeSystem'); };
  const listed = { job: true };
  const opts = {
    platform: {
      compute: { openComputeSystem: gone, enumerateComputeSystems: async () => [] },
      jobs: { openComputeSystem: async () => job, enumerateComputeSystems: async () => (listed.job ? [{ Id: 'c1' }] : []) },
      network: { enumerateNamespaces: async () => [] },
    },
    keeper: { ack: async () => undefined, forget: async () => undefined, list: async () => [] },
    stateDir: dir,
    shutdownTimeoutSeconds: 1,
  } as unknown as RuntimeOptions;
  const open = async () => new RuntimeState(opts, await RecordStore.open<SandboxRecord>(join(dir, 's')), await RecordStore.open<StoredContainer>(join(dir, 'c')));
  st = await open();
  await st.containers.save({ id: 'c1', sandboxId: 'p1', state: 'CONTAINER_RUNNING', pid: 4, spec: { windows: { hostProcess: true } } } as unknown as StoredContainer);
  st.index.add('c1');
  /** The init exits by itself (its exit reported). */
  const exitNow = (): Promise<void> => handleExit(st, { containerId: 'c1', pid: 4, exitCode: 0, exitedAt: '1765000000000000001' });
  /** The daemon restarts: its records written so far are read back by a new state (recovery not run yet). */
  const restart = async (): Promise<RuntimeState> => {
    await st.containers.flush();
    st = await open();
    st.index.add('c1');
    return st;
  };
  return { st, calls, exitNow, restart, listed, dir, count: (x: string) => calls.filter((c) => c === x).length };
}

/** Whether c1 is marked unended (a stop could not end it). */
export const unended = (st: RuntimeState): boolean => (st.containers.get('c1') as { unended?: unknown } | undefined)?.unended === true;
