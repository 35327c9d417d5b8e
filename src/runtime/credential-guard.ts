/**
 * gMSA containers: the credential guard instance a container with a credential spec needs, created through the
 * compute service before the container's document is built (hcsshim internal/credentials: AddInstance with
 * transport LRPC for process isolation, then the instance's state from the service properties) and removed when
 * the container is removed — HCS keeps instances until they are removed explicitly. The state is kept in the
 * container's record, so a restarted daemon still removes the instance.
 */
import type { ComputeService } from '../platform/types.js';
import type { ContainerCredentialGuardStateDoc } from '../platform/hcs/schema/index.js';
import {
  buildCredentialGuardAddRequest, buildCredentialGuardRemoveRequest, credentialGuardState, CREDENTIAL_GUARD_QUERY,
} from '../platform/hcs/document/index.js';
import { isGone } from '../platform/hresult.js';
import { logger } from '../util/log.js';
import { errorMessage } from '../errors.js';

const log = logger('runtime');

/** Adds instance `id` (the container ID, as hcsshim) for `credentialSpec` and returns its state for the document. */
export async function addCredentialGuard(compute: ComputeService, id: string, credentialSpec: string): Promise<ContainerCredentialGuardStateDoc> {
  await compute.modifyServiceSettings(buildCredentialGuardAddRequest(id, credentialSpec, 'LRPC'));
  try {
    const state = credentialGuardState(await compute.queryServiceProperties(CREDENTIAL_GUARD_QUERY), id);
    if (!state) throw new Error(`the compute service lists no credential guard instance ${id} right after adding it`);
    log.info('credential guard instance added', { container: id, transport: state.Transport ?? '' });
    return state;
  } catch (e) {
    await removeCredentialGuard(compute, id).catch((re) => log.error('removing a half-made credential guard instance failed', { container: id, error: errorMessage(re) }));
    throw e;
  }
}

/** Removes instance `id`; one that is already gone (e.g. the compute service restarted) is no error. */
export async function removeCredentialGuard(compute: ComputeService, id: string): Promise<void> {
  try {
    await compute.modifyServiceSettings(buildCredentialGuardRemoveRequest(id));
    log.info('credential guard instance removed', { container: id });
  } catch (e) {
    if (!isGone(e)) throw e;
  }
}
