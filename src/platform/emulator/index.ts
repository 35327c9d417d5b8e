/**
 * The Linux emulator of the Windows platform services (HCS compute, HCN network, layer storage).
 *
 * Like vmcompute on Windows, the emulator is a separate long-lived service process (./service/main.ts) that
 * outlives its clients: a kill -9 of the daemon leaves compute systems and their processes running. This module is
 * the client side: createEmulatorPlatform connects to <stateDir>/service.sock (spawning the service detached when
 * nothing listens), and implements the Platform seam over the JSON-lines protocol of ./protocol.ts.
 *
 * Notes on semantics (details in ./service/compute.ts, ./service/storage.ts, ./service/network.ts):
 *  - Processes are real Linux processes; the emulator is not a security boundary and runs host binaries (a bare
 *    program name not found under the container's C:\ falls back to the service's host PATH).
 *  - ComputeSystem.onEvent receives SystemExited for the system and, as a convenience the Windows API delivers on
 *    process callbacks instead, ProcessExited for processes of the system; ServiceDisconnect when the connection to
 *    the service drops (the client reconnects and re-opens its handles by itself).
 *  - Fault injection (injectFault) names operations by their wire method: createSystem, openSystem, startSystem,
 *    shutdownSystem, terminateSystem, pauseSystem, resumeSystem, modifySystem, systemProperties, enumerateSystems,
 *    createProcess, processRecorded, openProcess, signalProcess, terminateProcess, processProperties, modifyProcess, endStdin, waitProcess,
 *    waitSystem, attach, createNetwork, …, createNamespace, modifyNamespace, …, importLayer,
 *    initializeWritableLayer, attachLayerStorageFilter, layerRecorded, detachLayerStorageFilter, getLayerMountPath, destroyLayer,
 *    layerUsage, and for job containers createJob, openJob, enumerateJobs.
 *    Checkpoints inside an operation take delay faults too: `HcsCreateProcess:started` (the program runs, its
 *    record is not saved yet: launch-intents.ts).
 *  - Job containers (HostProcess, ./jobs.ts): created / opened / listed through platform.jobs; their handles are
 *    the same system handles as compute systems'.
 *
 * Files: compute.ts and system-handle.ts (compute systems, processes), network.ts, storage.ts, jobs.ts,
 * diagnostics.ts (service facts as conditions), service-stop.ts (stopping a service), this one (connecting).
 */
import type { Socket } from 'node:net';
import type { Platform } from '../types.js';
import { EmulatorClient } from './client.js';
import type { HelloAnswer } from './protocol.js';
import { EmuJobs, type JobDescription } from './jobs.js';
import { EmuCompute } from './compute.js';
import { EmuNetwork } from './network.js';
import { EmuStorage } from './storage.js';
import { networkingDiagnostics, isolationDiagnostics } from './diagnostics.js';

export { EmulatorClient } from './client.js';

export interface EmulatorOptions { stateDir: string; osVersion?: string; architecture?: string; spawnService?: boolean; connectTimeoutMs?: number }

export interface EmulatorPlatform extends Platform {
  readonly name: 'emulator';
  /** Makes the next `count` calls of operation `op` fail with `hresult` (0 = only delay) after `delayMs`. */
  injectFault(op: string, hresult: number, count?: number, delayMs?: number): Promise<void>;
  clearFaults(op?: string): Promise<void>;
  /** Pid of the service process (for tests). */
  servicePid(): Promise<number>;
  /** Opens a stdio attachment of a process, e.g. from a process other than its creator (at most one per stream). */
  attachStdio(systemId: string, pid: number, stream: 'stdin' | 'stdout' | 'stderr'): Promise<Socket>;
  /** What the emulator recorded for a job container: its document (user, mounts) and the host mount point. */
  describeJob(id: string): Promise<JobDescription>;
}

/**
 * Connects to the emulator service of `stateDir`, spawning it detached if nothing listens (unless
 * spawnService === false). osVersion / architecture are only used when this call spawns the service; the
 * platform's `host` reports what the running service says.
 */
export async function createEmulatorPlatform(opts: EmulatorOptions): Promise<EmulatorPlatform> {
  const client = new EmulatorClient({
    stateDir: opts.stateDir, osVersion: opts.osVersion, architecture: opts.architecture, spawnService: opts.spawnService,
    connectTimeoutMs: opts.connectTimeoutMs,
  });
  let hello: HelloAnswer;
  try {
    hello = await client.hello();
  } catch (e) { client.close(); throw e; }
  const compute = new EmuCompute(client);
  return {
    name: 'emulator',
    compute,
    jobs: new EmuJobs(client, (id) => compute.adoptJob(id)),
    network: new EmuNetwork(client),
    storage: new EmuStorage(client),
    host: { osVersion: hello.osVersion, architecture: hello.architecture },
    async close() { client.close(); },
    async injectFault(op, hresult, count = 1, delayMs) { await client.request('injectFault', { op, hresult, count, delayMs }); },
    async clearFaults(op) { await client.request('clearFaults', { op }); },
    async servicePid() { return (await client.request<{ pid: number }>('hello')).pid; },
    async diagnostics() {
      const props = await compute.getServiceProperties();
      return [...networkingDiagnostics(props), ...isolationDiagnostics(props)];
    },
    attachStdio(systemId, pid, stream) { return client.attach(systemId, pid, stream); },
    describeJob(id) { return client.request('describeJob', { id }); },
  };
}

/** Client helper for reliability tests: arm a fault on the service of `platform`. */
export function injectFault(platform: EmulatorPlatform, op: string, hresult: number, count = 1, delayMs?: number): Promise<void> {
  return platform.injectFault(op, hresult, count, delayMs);
}
