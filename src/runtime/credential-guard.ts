/**
 * gMSA containers: the credential guard instance a container with a credential spec needs, created through the
 * compute service before the container's document is built (hcsshim internal/credentials: AddInstance with
 * transport LRPC for process isolation, then the instance's state from the service properties) and removed when
 * the container is removed — HCS keeps instances until they are removed explicitly. The state is kept in the
 * container's record, so a restarted daemon still removes the instance; a marker (<state>/credential-guard/<id>)
 * written before the instance is added lets recovery remove one whose container record was never written (a crash
 * in between), without ever touching instances of other runtimes.
 * A container hosted in a Hyper-V pod's utility VM gets its instance with Transport HvSocket instead, whose HvSocket
 * service is then opened in the VM (hyperv/uvm-hvsocket.ts); the marker names the VM (before the add) and the
 * service (before it is opened), so every removal — RemoveContainer, rollback, recovery, doctor — closes it too.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ComputeService } from '../platform/types.js';
import type { ContainerCredentialGuardHvSocketServiceConfigDoc, ContainerCredentialGuardStateDoc } from '../platform/hcs/schema/index.js';
import {
  buildCredentialGuardAddRequest, buildCredentialGuardRemoveRequest, buildHyperVCredentialGuardAddRequest, credentialGuardHvSocketConfig,
  credentialGuardState, CREDENTIAL_GUARD_QUERY,
} from '../platform/hcs/document/index.js';
import { isGone } from '../platform/hresult.js';
import { logger } from '../util/log.js';
import { errorMessage } from '../errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import { closeHvSocketService, openHvSocketService } from './hyperv/uvm-hvsocket.js';

const log = logger('runtime');

/** What the marker of instance `id` records: the hosting VM and its HvSocket service for a Hyper-V container. */
interface Marker { id: string; vmId?: string; hvSocket?: ContainerCredentialGuardHvSocketServiceConfigDoc }

/**
 * Adds instance `id` (the container ID, as hcsshim) for `credentialSpec` and returns its state for the document:
 * over LRPC for a process-isolated container, over HvSocket (service opened in VM `hostingVmId`) for a hosted one.
 */
export async function addCredentialGuard(
  compute: ComputeService, stateDir: string, id: string, credentialSpec: string, hostingVmId?: string,
): Promise<ContainerCredentialGuardStateDoc> {
  const mark: Marker = hostingVmId ? { id, vmId: hostingVmId } : { id };
  await writeFileAtomic(marker(stateDir, id), JSON.stringify(mark));
  await compute.modifyServiceSettings(hostingVmId ? buildHyperVCredentialGuardAddRequest(id, credentialSpec) : buildCredentialGuardAddRequest(id, credentialSpec, 'LRPC'));
  try {
    const properties = await compute.queryServiceProperties(CREDENTIAL_GUARD_QUERY);
    const state = credentialGuardState(properties, id);
    if (!state) throw new Error(`the compute service lists no credential guard instance ${id} right after adding it`);
    if (hostingVmId) {
      const hvSocket = credentialGuardHvSocketConfig(properties, id);
      if (!hvSocket?.ServiceId) throw new Error(`the compute service lists no HvSocket service for credential guard instance ${id} (added with Transport HvSocket)`);
      await writeFileAtomic(marker(stateDir, id), JSON.stringify({ ...mark, hvSocket }));
      await openHvSocketService(compute, hostingVmId, hvSocket);
    }
    log.info('credential guard instance added', { container: id, transport: state.Transport ?? '', ...(hostingVmId ? { vm: hostingVmId } : {}) });
    return state;
  } catch (e) {
    await removeCredentialGuard(compute, stateDir, id).catch((re) => log.error('removing a half-made credential guard instance failed', { container: id, error: errorMessage(re) }));
    throw e;
  }
}

/** StartContainer of a hosted container: its service is opened again, in case the VM was booted anew since create. */
export async function reopenCredentialGuardService(compute: ComputeService, stateDir: string, id: string): Promise<void> {
  const m = await readMarker(stateDir, id);
  if (m?.vmId && m.hvSocket?.ServiceId) await openHvSocketService(compute, m.vmId, m.hvSocket);
}

/**
 * Removes instance `id` (after closing its HvSocket service in the hosting VM, if the marker names one); one that is
 * already gone (e.g. the compute service restarted) is no error.
 */
export async function removeCredentialGuard(compute: ComputeService, stateDir: string, id: string): Promise<void> {
  const m = await readMarker(stateDir, id);
  if (m?.vmId && m.hvSocket?.ServiceId) await closeHvSocketService(compute, m.vmId, m.hvSocket.ServiceId);
  try {
    await compute.modifyServiceSettings(buildCredentialGuardRemoveRequest(id));
    log.info('credential guard instance removed', { container: id });
  } catch (e) {
    if (!isGone(e)) throw e;
  }
  await rm(marker(stateDir, id), { force: true });
}

/** Recovery: instances this runtime added for containers it has no record of are removed. */
export async function removeOrphanedCredentialGuards(compute: ComputeService, stateDir: string, known: (id: string) => boolean): Promise<void> {
  for (const id of (await ownedCredentialGuards(stateDir)).filter((x) => !known(x))) {
    log.warn('removing orphaned credential guard instance (no container record)', { container: id });
    await removeCredentialGuard(compute, stateDir, id).catch((e) => log.error('removing an orphaned credential guard instance failed', { container: id, error: errorMessage(e) }));
  }
}

const DIR = 'credential-guard';

/** Container IDs this runtime added (or was about to add) a credential guard instance for: its markers. */
export async function ownedCredentialGuards(stateDir: string): Promise<string[]> {
  try { return (await readdir(join(stateDir, DIR))).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)); } catch { return []; }
}
function marker(stateDir: string, id: string): string { return join(stateDir, DIR, `${id}.json`); }
async function readMarker(stateDir: string, id: string): Promise<Marker | undefined> {
  try { return JSON.parse(await readFile(marker(stateDir, id), 'utf8')) as Marker; } catch { return undefined; }
}
