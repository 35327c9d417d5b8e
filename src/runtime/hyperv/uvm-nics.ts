/**
 * The pod's HNS endpoints as NICs of its utility VM (hcsshim internal/uvm/network.go): once the VM runs, each
 * endpoint attached to the pod's namespace is pre-added in the guest and added as a network adapter (adapter ID =
 * endpoint ID); before the VM is stopped they are removed again. The adapters are recorded on the VM record so a
 * restarted runtime removes the same ones. Removal is best effort: the VM is about to go anyway.
 */
import type { ComputeSystem } from '../../platform/types.js';
import { buildNicPreAddRequest, buildNicAddRequest, buildNicRemoveRequest, type UvmNic } from '../../platform/hcs/document/index.js';
import { isGone } from '../../platform/hresult.js';
import { logger } from '../../util/log.js';
import { errorMessage } from '../../errors.js';
import type { SandboxRecord } from '../model.js';
import type { RuntimeState } from '../state.js';

const log = logger('runtime');

/** Adds the pod's endpoints to the running VM; returns the adapters added (to be recorded). */
export async function addPodNics(st: RuntimeState, pod: SandboxRecord, vm: ComputeSystem): Promise<UvmNic[]> {
  if (!pod.namespaceId) return [];
  const { network } = st.opts.platform;
  const ns = await network.queryNamespace(pod.namespaceId);
  const ids = (ns.Resources ?? []).filter((r) => r.Type === 'Endpoint').map((r) => (r.Data as { ID?: string } | undefined)?.ID).filter((x): x is string => !!x);
  const added: UvmNic[] = [];
  for (const id of ids) {
    const endpoint = await network.queryEndpoint(id);
    const nic: UvmNic = { nicId: id, endpointId: id, macAddress: endpoint.MacAddress ?? '' };
    await vm.modify(buildNicPreAddRequest(nic, endpoint));
    await vm.modify(buildNicAddRequest(nic));
    added.push(nic);
  }
  if (added.length) log.info('pod endpoints added to the utility VM', { pod: pod.id, vm: vm.id, nics: added.map((n) => n.nicId) });
  return added;
}

/** Removes recorded adapters from the VM before it is stopped. */
export async function removePodNics(st: RuntimeState, vmId: string, nics: readonly UvmNic[]): Promise<void> {
  if (!nics.length) return;
  let vm: ComputeSystem | undefined;
  try {
    vm = await st.opts.platform.compute.openComputeSystem(vmId);
    for (const nic of nics) await vm.modify(buildNicRemoveRequest(nic));
  } catch (e) {
    if (!isGone(e)) log.warn('removing the pod\'s NICs from its utility VM failed; the VM is stopped anyway', { vm: vmId, error: errorMessage(e) });
  } finally {
    vm?.close();
  }
}
