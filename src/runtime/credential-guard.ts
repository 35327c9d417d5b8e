/**
 * gMSA containers: the credential guard instance a container with a credential spec needs, created through the
 * compute service before the container's document is built (hcsshim internal/credentials: AddInstance with
 * transport LRPC for process isolation, then the instance's state from the service properties) and removed when
 * the container is removed — HCS keeps instances until they are removed explicitly. The state is kept in the
 * container's record, so a restarted daemon still removes the instance; a marker (<state>/credential-guard/<id>)
 * written before the instance is added lets recovery remove one whose container record was never written (a crash
 * in between), without ever touching instances of other runtimes.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ComputeService } from '../platform/types.js';
import type { ContainerCredentialGuardStateDoc } from '../platform/hcs/schema/index.js';
import {
  buildCredentialGuardAddRequest, buildCredentialGuardRemoveRequest, credentialGuardState, CREDENTIAL_GUARD_QUERY,
} from '../platform/hcs/document/index.js';
import { isGone } from '../platform/hresult.js';
import { logger } from '../util/log.js';
import { errorMessage } from '../errors.js';
import { writeFileAtomic } from '../util/atomic.js';

const log = logger('runtime');

/** Adds instance `id` (the container ID, as hcsshim) for `credentialSpec` and returns its state for the document. */
export async function addCredentialGuard(compute: ComputeService, stateDir: string, id: string, credentialSpec: string): Promise<ContainerCredentialGuardStateDoc> {
  await writeFileAtomic(marker(stateDir, id), JSON.stringify({ id }));
  await compute.modifyServiceSettings(buildCredentialGuardAddRequest(id, credentialSpec, 'LRPC'));
  try {
    const state = credentialGuardState(await compute.queryServiceProperties(CREDENTIAL_GUARD_QUERY), id);
    if (!state) throw new Error(`the compute service lists no credential guard instance ${id} right after adding it`);
    log.info('credential guard instance added', { container: id, transport: state.Transport ?? '' });
    return state;
  } catch (e) {
    await removeCredentialGuard(compute, stateDir, id).catch((re) => log.error('removing a half-made credential guard instance failed', { container: id, error: errorMessage(re) }));
    throw e;
  }
}

/** Removes instance `id`; one that is already gone (e.g. the compute service restarted) is no error. */
export async function removeCredentialGuard(compute: ComputeService, stateDir: string, id: string): Promise<void> {
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
