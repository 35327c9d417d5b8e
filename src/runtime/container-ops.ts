/** Changes to a created or running container: resource updates and log reopening. */
import { hostProcessorCount } from '../util/host-cpus.js';
import { buildResourceUpdateRequests } from '../platform/hcs/document/index.js';
import { failedPrecondition } from '../errors.js';
import type { WindowsResources } from './model.js';
import { specResources } from './spec.js';
import type { RuntimeState } from './state.js';
import { backendOf, containerDocument } from './backend.js';

export async function updateContainerResources(st: RuntimeState, idOrPrefix: string, resources: WindowsResources | undefined): Promise<void> {
  const id = st.index.mustResolve(idOrPrefix, 'container');
  await st.locks.run(id, async () => {
    const c = st.mustContainer(id);
    if (!resources) return;
    if (c.state === 'CONTAINER_EXITED' || c.state === 'CONTAINER_UNKNOWN') {
      throw failedPrecondition(`container ${id} is in ${c.state} state; resources can only be updated while it is created or running`);
    }
    if (c.state === 'CONTAINER_RUNNING') {
      const system = await backendOf(st, c).openComputeSystem(id);
      try {
        for (const r of buildResourceUpdateRequests(specResources(resources) ?? {}, { hostProcessorCount: hostProcessorCount() })) await system.modify(r);
      } finally {
        system.close();
      }
    } else {
      // Created but not started: the compute system does not exist yet; the new limits go into its document.
      c.spec.windows.resources = specResources(resources);
      containerDocument(st, id, c);
    }
    c.resources = resources;
    c.config.windows.resources = resources;
    await st.containers.save(c);
  });
}

export async function reopenContainerLog(st: RuntimeState, idOrPrefix: string): Promise<void> {
  const c = st.mustContainer(st.index.mustResolve(idOrPrefix, 'container'));
  if (c.state !== 'CONTAINER_RUNNING') throw failedPrecondition(`container ${c.id} is not running (${c.state}); its log cannot be reopened`);
  if (!c.logFile) throw failedPrecondition(`container ${c.id} has no log path`);
  await st.opts.keeper.reopenLog(c.id);
}
