/**
 * RemoveContainer: stops the container at once (container-stop.ts), then, under its lock, tears it down on the
 * platform, has the IO keeper forget it and drops its record. Idempotent for unknown containers.
 */
import { isGone } from '../platform/hresult.js';
import { logger } from '../util/log.js';
import { errorMessage } from '../errors.js';
import { containerName } from './names.js';
import type { RuntimeState, StoredContainer } from './state.js';
import { destroySystem } from './systems.js';
import { clearUnended } from './unended-mark.js';
import { stopContainer } from './container-stop.js';
import { backendOf, scratchMountedOnHost } from './backend.js';
import { removeCredentialGuard } from './credential-guard.js';
import { releaseContainerShares } from './hyperv/uvm-vsmb.js';
import { detachContainerScratch } from './hyperv/uvm-scsi.js';
import { uncombineContainerLayers } from './hyperv/uvm-combine.js';

const log = logger('runtime');

export async function removeContainer(st: RuntimeState, idOrPrefix: string): Promise<void> {
  const id = st.index.resolve(idOrPrefix, 'container ID');
  if (!id || !st.containers.get(id)) return;
  await stopContainer(st, id, 0);
  await st.locks.run(id, async () => {
    const c = st.containers.get(id);
    if (!c) return;
    // The keeper forgets the exited process while the platform tears the container down: the exit is in this
    // daemon's record already (a crash from here leaves an EXITED record that needs nothing of the keeper). When the
    // runtime recorded the exit itself (a stop that saw no report), the keeper may still run the process and refuse:
    // it is asked again after the teardown, and an exit it reports meanwhile is forgotten, not acknowledged (exits.ts).
    st.removing.add(id);
    try {
      await removeRecorded(st, c, id);
    } finally {
      st.removing.delete(id);
    }
  });
}

/** RemoveContainer past its stop, under the container lock: the platform teardown, the keeper's forget, the record. */
async function removeRecorded(st: RuntimeState, c: StoredContainer, id: string): Promise<void> {
  const { platform, keeper, images } = st.opts;
  const forgotten = keeper.forget(id).then(() => true, () => false);
  await destroySystem(backendOf(st, c), id);
  await clearUnended(st, id);
  // Hyper-V: the guest's combined layers, then the scratch disk, then the shares (hcsshim's release order).
  await uncombineContainerLayers(st, c.sandboxId, id);
  await detachContainerScratch(st, c.sandboxId, id);
  await releaseContainerShares(st, c.sandboxId, id);
  // A failure keeps the record, so the next RemoveContainer retries (the instance outlives the container otherwise).
  if (c.credentialGuard) await removeCredentialGuard(platform.compute, st.opts.stateDir, id);
  // A layer still attached cannot be destroyed on Windows (the volume stays mounted): a detach failure fails the
  // RPC with the record kept, so the next RemoveContainer detaches again instead of leaking the filter.
  if (scratchMountedOnHost(c)) await platform.storage.detachLayerStorageFilter(c.scratchPath).catch((e) => { if (!isGone(e)) throw e; });
  await platform.storage.destroyLayer(c.scratchPath);
  if (!(await forgotten)) {
    await keeper.forget(id).catch((e) => log.warn('keeper forget failed; its exit report forgets it', { container: id, error: errorMessage(e) }));
  }
  await images.release(id);
  await st.containers.delete(id);
  st.index.delete(id);
  st.lastCpu.delete(id);
  const pod = st.sandboxes.get(c.sandboxId);
  if (pod) st.names.release(containerName(c.config.metadata, pod.config.metadata), id);
  st.emit(id, 'CONTAINER_DELETED_EVENT', c.sandboxId);
  log.info('container removed', { container: id });
}
