/**
 * The emulators a service is made of, wired together: storage (layers), network (HNS, with its calls' locks),
 * compute (systems and processes: it asks the network for a namespace's Linux netns, the storage for layers, the
 * credential guard for a container's specs, and the faults at its checkpoints), job containers on top of compute,
 * and the credential guard; all keep their records through one Persister under the state dir.
 */
import { join } from 'node:path';
import { recordsDir, type WireEvent } from '../protocol.js';
import { setHostPipeDir } from './pipes.js';
import { Persister } from './persist.js';
import { Faults } from './faults.js';
import { setSpoolLog } from './spool-health.js';
import { ComputeEmulator } from './compute.js';
import { NetworkEmulator } from './network.js';
import { StorageEmulator } from './storage.js';
import { layerHolder } from './layer-use.js';
import { JobEmulator } from './jobs.js';
import { CredentialGuardEmulator } from './credential-guard.js';
import { instanceId } from './instance.js';
import { HnsDispatch } from './server-hns.js';

export interface ServiceOptions { stateDir: string; osVersion: string; architecture: string; log: (msg: string) => void }

export interface ServiceParts {
  faults: Faults;
  persist: Persister;
  storage: StorageEmulator;
  network: NetworkEmulator;
  hnsCalls: HnsDispatch;
  compute: ComputeEmulator;
  credentialGuard: CredentialGuardEmulator;
  jobs: JobEmulator;
}

/** An event of a system or process for the connections that hold it. */
export type EventSink = (systemId: string, event: WireEvent['event'], data: unknown, pid?: number) => void;

export function makeParts(opts: ServiceOptions, events: EventSink): ServiceParts {
  const faults = new Faults(opts.log);
  setSpoolLog(opts.log);
  const persist = new Persister(recordsDir(opts.stateDir));
  setHostPipeDir(opts.stateDir, opts.log);
  const storage = new StorageEmulator(persist);
  const network = new NetworkEmulator(persist, opts.log, { instance: instanceId(opts.stateDir), scratch: join(opts.stateDir, 'ip-batch') });
  const compute = new ComputeEmulator(opts.stateDir, persist, storage, events, opts.log);
  compute.netnsOf = (guid) => network.linuxNetns(guid);
  compute.checkpoint = (point) => faults.check(point);
  network.checkpoint = (point) => faults.check(point);
  storage.layerHolder = (layerPath) => layerHolder(layerPath, compute.records());
  const credentialGuard = new CredentialGuardEmulator(persist);
  compute.checkCredentialGuard = (op, state, path) => credentialGuard.checkContainer(op, state, path);
  const jobs = new JobEmulator(opts.stateDir, compute, storage);
  return { faults, persist, storage, network, hnsCalls: new HnsDispatch(network), compute, credentialGuard, jobs };
}
