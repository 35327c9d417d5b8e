/**
 * HcsCreateComputeSystem's checks and the record of a new system (compute.ts create): exactly one of Container,
 * VirtualMachine, HostedSystem; processor, devices, pipes and Container Credential Guard settings checked as HCS
 * does; a hosting VM that exists and may host it (hosting.ts), its VSMB shares and SCSI disks resolved; a storage
 * root that exists (none: a private empty directory stands in for C:\); mapped host paths that exist.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PlatformError, HRESULT } from '../../hresult.js';
import { ComputeSystem, type ContainerDoc } from '../../hcs/schema/index.js';
import { isDirectory } from './paths.js';
import type { SystemRecord } from './records.js';
import { parseDoc, invalid, checkProcessor, checkDevicesAndPipes } from './documents.js';
import { pathExists } from './mappings.js';
import { resolveVsmbMappings } from './vsmb-paths.js';
import { resolveScsiStorage } from './scsi-paths.js';
import { checkHosting } from './hosting.js';
import type { StorageEmulator } from './storage.js';

export interface CreateContext {
  systems: ReadonlyMap<string, SystemRecord>;
  storage: StorageEmulator;
  stateDir: string;
  checkCredentialGuard: (op: string, state: ContainerDoc['ContainerCredentialGuard'], path: string) => void;
}

/**
 * The record of system `id` from its document text, or the error HCS answers. `storageLess`: its root is a private
 * directory made here (an owned resource: the caller writes the record at once).
 */
export function newSystemRecord(op: string, id: unknown, text: unknown, c: CreateContext): { rec: SystemRecord; storageLess: boolean } {
  if (typeof id !== 'string' || id === '') throw new PlatformError(HRESULT.E_INVALIDARG, op, 'id is required');
  const doc = parseDoc(ComputeSystem, op, text, false);
  const kinds = (['Container', 'VirtualMachine', 'HostedSystem'] as const).filter((k) => doc[k] !== undefined && doc[k] !== null);
  if (kinds.length !== 1) {
    throw invalid(op, '<document>', kinds.length === 0 ? 'one of Container, VirtualMachine, HostedSystem is required'
      : `${kinds.join(', ')} are mutually exclusive`);
  }
  const container: ContainerDoc | undefined = doc.Container ?? doc.HostedSystem?.Container;
  checkProcessor(op, container?.Processor, doc.Container ? 'Container.Processor' : 'HostedSystem.Container.Processor');
  checkDevicesAndPipes(op, container, doc.Container ? 'Container' : 'HostedSystem.Container');
  c.checkCredentialGuard(op, container?.ContainerCredentialGuard, doc.Container ? 'Container.ContainerCredentialGuard' : 'HostedSystem.Container.ContainerCredentialGuard');
  if (c.systems.has(id)) throw new PlatformError(HRESULT.HCS_E_SYSTEM_ALREADY_EXISTS, op, `compute system ${id} already exists`);
  if (doc.HostingSystemId && !c.systems.has(doc.HostingSystemId)) {
    throw new PlatformError(HRESULT.HCS_E_SYSTEM_NOT_FOUND, op, `hosting system ${doc.HostingSystemId} not found`);
  }
  checkHosting(op, doc, doc.HostingSystemId ? c.systems.get(doc.HostingSystemId) : undefined);
  const vsmb = doc.HostedSystem ? resolveVsmbMappings(op, container, c.systems.get(doc.HostingSystemId ?? '')) : {};
  const scsiStorage = doc.HostedSystem ? resolveScsiStorage(op, container, c.systems.get(doc.HostingSystemId ?? '')) : undefined;
  let root: string;
  const sp = container?.Storage?.Path;
  if (sp) {
    root = c.storage.resolveStoragePath(op, sp);
    if (!isDirectory(root)) throw new PlatformError(HRESULT.ERROR_PATH_NOT_FOUND, op, `storage root ${root} does not exist`);
  } else {
    // No storage (e.g. a utility VM or a test container): a private empty directory stands in for C:\.
    root = join(c.stateDir, 'roots', encodeURIComponent(id));
    mkdirSync(root, { recursive: true });
  }
  for (const [i, md] of (container?.MappedDirectories ?? []).entries()) {
    if (md.HostPath && !pathExists(md.HostPath)) {
      throw new PlatformError(HRESULT.ERROR_PATH_NOT_FOUND, op, `MappedDirectories[${i}].HostPath ${md.HostPath} does not exist`);
    }
  }
  const rec: SystemRecord = {
    id, document: doc, state: 'Created', root, hostName: container?.GuestOs?.HostName,
    createdAt: new Date().toISOString(), processes: [],
    ...(Object.keys(vsmb).length ? { vsmb } : {}),
    ...(scsiStorage ? { scsiStorage } : {}),
  };
  return { rec, storageLess: !sp };
}
