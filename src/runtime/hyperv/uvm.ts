/**
 * The utility VM of a Hyper-V isolated pod (reference/hcs.md §3.4): the pod owns its lifetime as it owns the HNS
 * namespace. wincri has no pause container, so the VM boots with the pod's first container, from that image's
 * base layer `UtilityVM` folder (the guest kernel matches the image: why Hyper-V runs older builds); the pod's
 * containers are hosted systems in it (HostingSystemId). Its record is persisted (created = true) before the VM
 * is created, so a crash in between still leaves a record that Stop/Remove and recovery act on.
 */
import { access } from 'node:fs/promises';
import { hostProcessorCount } from '../../util/host-cpus.js';
import type { ComputeSystem } from '../../platform/types.js';
import type { PropertiesDoc } from '../../platform/hcs/schema/index.js';
import { buildUtilityVmDocument, childPath } from '../../platform/hcs/document/index.js';
import { logger } from '../../util/log.js';
import { failedPrecondition, invalidArgument, errorMessage } from '../../errors.js';
import type { SandboxRecord, SandboxConfig, UtilityVmRecord } from '../model.js';
import type { ImageInfo } from '../ports.js';
import { OWNER, type RuntimeState } from '../state.js';
import { destroySystem } from '../systems.js';
import { resolveHandler, utilityVmSize } from './handlers.js';
import { addPodNics, removePodNics } from './uvm-nics.js';
import { forgetShares } from './vsmb-book.js';
import { forgetScsi } from './uvm-scsi.js';
import { prepareUtilityVmScratch, removeUtilityVmScratch } from './uvm-scratch.js';
import { utilityVmExitedMeanwhile, watchUtilityVm } from './vm-exit.js';
import { unwatchUtilityVm } from './vm-watches.js';

const log = logger('runtime');

/** hcsshim names a pod's VM `<pod id>@vm`. */
export const vmIdOf = (podId: string): string => `${podId}@vm`;

/** Isolation and VM sizing of a new pod, from its handler (InvalidArgument for unknown handlers). */
export function podIsolation(st: RuntimeState, podId: string, handlerName: string, config: SandboxConfig): Pick<SandboxRecord, 'isolation' | 'utilityVm'> {
  const h = resolveHandler(st.opts.runtimeHandlers, handlerName);
  if (h.isolation !== 'hyperv') return {};
  if (config.hostProcess) throw invalidArgument(`runtime_handler "${handlerName}" is Hyper-V isolated; HostProcess pods run on the host and cannot use it`);
  return { isolation: 'hyperv', utilityVm: { id: vmIdOf(podId), ...utilityVmSize(h, config, hostProcessorCount()) } };
}

/** Boots the pod's VM from this image unless it runs already; returns its ID. */
export async function ensureUtilityVm(st: RuntimeState, podId: string, image: ImageInfo): Promise<string> {
  const { compute } = st.opts.platform;
  return st.locks.run(vmIdOf(podId), async () => {
    const pod = st.sandboxes.get(podId);
    const vm = pod?.utilityVm;
    if (!pod || !vm) throw failedPrecondition(`pod sandbox ${podId} is not Hyper-V isolated`);
    if (pod.state !== 'SANDBOX_READY') throw failedPrecondition(`pod sandbox ${podId} is not ready (${pod.state})`);
    if (vm.created) return vm.id;
    const base = image.layerPaths[image.layerPaths.length - 1];
    if (!base) throw failedPrecondition(`image ${image.id} has no layers to boot a utility VM from`);
    const utilityVmPath = childPath(base, 'UtilityVM');
    if (!await exists(utilityVmPath)) {
      throw failedPrecondition(`image ${image.repoTags[0] ?? image.id} has no UtilityVM folder in its base layer: it cannot boot the pod's utility VM (Hyper-V isolation needs a Windows base image that ships one)`);
    }
    vm.created = true;
    if (image.osVersion) vm.osVersion = image.osVersion;
    await st.sandboxes.save(pod);
    let system: ComputeSystem | undefined;
    try {
      const scratchVhdPath = await prepareUtilityVmScratch(st, vm.id, utilityVmPath, image.repoTags[0] ?? image.id);
      const doc = buildUtilityVmDocument({
        owner: OWNER, utilityVmPath, scratchVhdPath,
        memoryMiB: vm.memoryMiB, processorCount: vm.processorCount, hostProcessorCount: hostProcessorCount(),
      });
      system = await compute.createComputeSystem(vm.id, doc);
      await system.start();
      vm.nics = await addPodNics(st, pod, system);
      if (vm.nics.length) await st.sandboxes.save(pod);
    } catch (e) {
      // Forgotten only once it is gone: otherwise Stop/Remove of the pod tries again.
      const removed = await destroySystem(compute, vm.id).then(() => true, (de) => {
        log.error('removing a utility VM that failed to start failed', { pod: podId, error: errorMessage(de) });
        return false;
      });
      if (removed) {
        await removeUtilityVmScratch(st, vm.id);
        await forget(st, pod, vm);
      }
      throw e;
    } finally {
      system?.close();
    }
    watchUtilityVm(st, podId, vm.id);
    log.info('utility VM running', { pod: podId, vm: vm.id, memoryMiB: vm.memoryMiB, processors: vm.processorCount, osVersion: vm.osVersion });
    return vm.id;
  });
}

const exists = (p: string) => access(p).then(() => true, () => false);

async function forget(st: RuntimeState, pod: SandboxRecord, vm: UtilityVmRecord): Promise<void> {
  vm.created = false;
  delete vm.osVersion;
  delete vm.nics;
  forgetShares(vm);
  forgetScsi(vm);
  if (st.sandboxes.get(pod.id)) await st.sandboxes.save(pod);
}

/** Stops and removes the pod's VM (and with it whatever still runs inside); idempotent. */
export async function stopUtilityVm(st: RuntimeState, pod: SandboxRecord): Promise<void> {
  const vm = pod.utilityVm;
  if (!vm?.created) return;
  await st.locks.run(vm.id, async () => {
    if (!vm.created) return;
    unwatchUtilityVm(st, vm.id); // its exit is expected now
    await removePodNics(st, vm.id, vm.nics ?? []);
    await destroySystem(st.opts.platform.compute, vm.id);
    await removeUtilityVmScratch(st, vm.id);
    await forget(st, pod, vm);
    log.info('utility VM stopped', { pod: pod.id, vm: vm.id });
  });
}

/**
 * After a restart, before the containers are reconciled: a VM that is still running is watched again; one that
 * stopped or vanished while the runtime was down took the pod's containers with it (vm-exit.ts).
 */
export async function recoverUtilityVms(st: RuntimeState, systems: ReadonlyMap<string, PropertiesDoc>): Promise<void> {
  for (const pod of st.sandboxes.list()) {
    const vm = pod.utilityVm;
    if (!vm?.created) continue;
    const props = systems.get(vm.id);
    if (props && props.State !== 'Stopped') {
      watchUtilityVm(st, pod.id, vm.id);
      continue;
    }
    log.warn('utility VM stopped while the runtime was down', { pod: pod.id, vm: vm.id, state: props?.State ?? 'gone' });
    await utilityVmExitedMeanwhile(st, pod.id, vm.id, { Status: 0, ExitType: props?.ExitType ?? 'Unknown' });
  }
}
