/**
 * The service's compute-system, job-container and storage calls, by wire method name. Each call gets the
 * connection's handle bookkeeping (a system handle opened by a call is the connection's until it closes it or
 * goes away; processes it created or opened receive their events on it).
 */
import type { ComputeEmulator } from './compute.js';
import type { JobEmulator } from './jobs.js';
import type { StorageEmulator } from './storage.js';
import { grantVmAccess } from './vm-access.js';

export interface CallContext {
  compute: ComputeEmulator;
  jobs: JobEmulator;
  storage: StorageEmulator;
  /** Counts a system handle opened by this connection. */
  addSystem(id: string): void;
  /** Releases one of this connection's handles of a system (none held: nothing happens). */
  closeSystem(id: string): void;
  /**
   * Makes a process handle the call just got (createProcess, openProcess count it) this connection's: its events
   * go to the connection, and the handle is released when the connection goes away.
   */
  holdProcess(systemId: string, pid: number): void;
  /** Releases one of this connection's handles of a process (none held: nothing happens). */
  closeProcess(systemId: string, pid: unknown): void;
}

type Call = (x: CallContext, p: Record<string, unknown>) => Promise<unknown> | unknown;
const done = () => null;

/**
 * The wire methods of the compute, job and storage calls; the table below has exactly these. Tests check each is
 * covered by a fault case; fault-ops.ts makes the fault tables' type of them.
 */
export const PLATFORM_METHODS = [
  'createSystem', 'openSystem', 'closeSystem', 'enumerateSystems', 'createJob', 'openJob', 'enumerateJobs',
  'describeJob', 'startSystem', 'shutdownSystem', 'terminateSystem', 'pauseSystem', 'resumeSystem', 'modifySystem',
  'grantVmAccess', 'systemProperties', 'waitSystem', 'createProcess', 'openProcess', 'processRecorded',
  'closeProcess', 'signalProcess', 'terminateProcess', 'processProperties', 'modifyProcess', 'endStdin',
  'waitProcess', 'importLayer', 'destroyLayer', 'initializeWritableLayer', 'expandWritableLayer',
  'attachLayerStorageFilter', 'layerRecorded', 'detachLayerStorageFilter', 'getLayerMountPath', 'layerUsage',
  'createContainerDirectory',
] as const;
export type PlatformMethod = typeof PLATFORM_METHODS[number];

const CALLS: Record<PlatformMethod, Call> = {
  createSystem: async (x, p) => { await x.compute.create(p.id, p.document); x.addSystem(String(p.id)); return null; },
  openSystem: (x, p) => { x.compute.open(p.id); x.addSystem(String(p.id)); return null; },
  closeSystem: (x, p) => { x.closeSystem(String(p.id)); return null; },
  enumerateSystems: (x, p) => x.compute.enumerate(p.query),
  // Job containers (HostProcess): created, opened and listed apart; every other call is the systems' own.
  createJob: async (x, p) => { await x.jobs.create(p.id, p.document); x.addSystem(String(p.id)); return null; },
  openJob: (x, p) => { x.jobs.open(p.id); x.addSystem(String(p.id)); return null; },
  enumerateJobs: (x, p) => x.jobs.enumerate(p.query),
  describeJob: (x, p) => x.jobs.describe(p.id),
  startSystem: (x, p) => x.compute.start(p.id).then(done),
  shutdownSystem: (x, p) => x.compute.shutdown(p.id).then(done),
  terminateSystem: (x, p) => x.compute.terminate(p.id).then(done),
  pauseSystem: (x, p) => x.compute.pause(p.id).then(done),
  resumeSystem: (x, p) => x.compute.resume(p.id).then(done),
  modifySystem: (x, p) => x.compute.modify(p.id, p.request).then(done),
  grantVmAccess: (_x, p) => { grantVmAccess(p.id, p.path); return null; },
  systemProperties: (x, p) => x.compute.properties(p.id, p.query),
  waitSystem: (x, p) => x.compute.waitSystem(p.id),

  createProcess: async (x, p) => {
    const r = await x.compute.createProcess(p.id, p.params, p.recordLater === true);
    x.holdProcess(String(p.id), r.pid);
    return r;
  },
  openProcess: (x, p) => { const r = x.compute.openProcess(p.id, p.pid); x.holdProcess(String(p.id), Number(p.pid)); return r; },
  processRecorded: (x, p) => x.compute.processRecorded(p.id, p.pid).then(done),
  closeProcess: (x, p) => { x.closeProcess(String(p.id), p.pid); return null; },
  signalProcess: (x, p) => x.compute.signalProcess(p.id, p.pid, p.options).then(done),
  terminateProcess: (x, p) => x.compute.terminateProcess(p.id, p.pid).then(done),
  processProperties: (x, p) => x.compute.processProperties(p.id, p.pid),
  modifyProcess: (x, p) => x.compute.modifyProcess(p.id, p.pid, p.request).then(done),
  endStdin: (x, p) => { x.compute.endStdin(p.id, p.pid, p.at); return null; },
  waitProcess: (x, p) => x.compute.waitProcess(p.id, p.pid),

  importLayer: (x, p) => x.storage.importLayer(p.layerPath, p.sourceFolderPath, p.layerData).then(done),
  destroyLayer: (x, p) => x.storage.destroyLayer(p.layerPath).then(done),
  initializeWritableLayer: (x, p) => x.storage.initializeWritableLayer(p.layerPath, p.layerData).then(done),
  expandWritableLayer: (x, p) => x.storage.expandWritableLayer(p.layerPath, p.sizeInBytes).then(done),
  attachLayerStorageFilter: (x, p) => x.storage.attachLayerStorageFilter(p.layerPath, p.layerData, p.recordLater === true).then(done),
  layerRecorded: (x, p) => x.storage.layerRecorded(p.layerPath).then(done),
  detachLayerStorageFilter: (x, p) => x.storage.detachLayerStorageFilter(p.layerPath).then(done),
  getLayerMountPath: (x, p) => x.storage.getLayerMountPath(p.layerPath),
  layerUsage: (x, p) => x.storage.layerUsage(p.layerPath),
  createContainerDirectory: (x, p) => x.storage.createContainerDirectory(p.mountPath, p.path).then(done),
};

/** The compute, job or storage call of a wire method (undefined: not one of them; own keys only). */
export function platformCall(method: string): Call | undefined { return Object.hasOwn(CALLS, method) ? CALLS[method as PlatformMethod] : undefined; }
