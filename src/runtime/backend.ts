/**
 * The one place the runtime tells HostProcess containers apart: which platform backend runs a container (an HCS
 * compute system, or a job container) and which document creates it. Everything else (start, stop, exits, exec,
 * stats, recovery, the IO keeper) drives the chosen backend through the same ComputeSystem interface.
 */
import { hostProcessorCount } from '../util/host-cpus.js';
import type { ContainerSpec } from '../platform/spec.js';
import type { SystemService } from '../platform/types.js';
import { systemKindOf, systemsOf, type SystemKind } from '../platform/backends.js';
import { buildJobContainerDocument } from '../platform/jobs/document/index.js';
import { OWNER, type RuntimeState, type StoredContainer } from './state.js';
import { hostingSystemOf } from './hyperv/pod-vm.js';
import { claimContainerShares, withVsmbPaths } from './hyperv/uvm-vsmb.js';
import { attachContainerScratch, withScsiScratch } from './hyperv/uvm-scsi.js';
import { combineContainerLayers } from './hyperv/uvm-combine.js';

export type { SystemKind };

interface HasSpec { spec: ContainerSpec }

export function kindOf(c: HasSpec): SystemKind { return systemKindOf(c.spec); }

/** The service that creates and opens this container's system. */
export function backendOf(st: RuntimeState, c: HasSpec): SystemService<unknown> {
  return systemsOf(st.opts.platform, kindOf(c));
}

/** The creation document for the container's backend; throws DocumentError (InvalidArgument) for a bad spec. */
export function containerDocument(
  st: RuntimeState, id: string, c: HasSpec & Pick<StoredContainer, 'storagePath' | 'layers' | 'credentialGuard'>,
): unknown {
  if (kindOf(c) === 'job') {
    return buildJobContainerDocument(c.spec, {
      owner: OWNER, id, rootVolume: c.storagePath, layers: c.layers,
      fileBinding: st.opts.platform.jobs.fileBinding, hostProcessorCount: hostProcessorCount(),
    });
  }
  // Hyper-V isolated: hosted in the pod's utility VM, its folders named by their VSMB guest paths and its scratch
  // by the guest path its SCSI disk is mounted at.
  const hostingSystemId = c.spec.windows.hyperv ? hostingSystemOf(st, podOf(c)) : undefined;
  const doc = st.systemDocument(c.spec, c.storagePath, c.layers, { hostingSystemId, credentialGuard: c.credentialGuard });
  return hostingSystemId ? withScsiScratch(st, podOf(c), id, withVsmbPaths(st, podOf(c), doc)) : doc;
}

const podOf = (c: HasSpec): string => c.spec.annotations['io.kubernetes.cri.sandbox-id'] ?? '';

/**
 * A container hosted in a utility VM: its layer folders and mounted directories are shared into the VM first, its
 * scratch (the writable layer's disk) attached to it over SCSI (the VM granted access to it), and the guest asked
 * to combine the layers on the scratch's mount (hcsshim's order; removal goes the other way).
 */
export async function claimHostedShares(
  st: RuntimeState, id: string, c: HasSpec & Pick<StoredContainer, 'storagePath' | 'scratchPath' | 'layers' | 'credentialGuard'>,
): Promise<void> {
  if (kindOf(c) !== 'compute' || !c.spec.windows.hyperv) return;
  const hostingSystemId = hostingSystemOf(st, podOf(c));
  const doc = st.systemDocument(c.spec, c.storagePath, c.layers, { hostingSystemId, credentialGuard: c.credentialGuard });
  await claimContainerShares(st, podOf(c), id, doc);
  await attachContainerScratch(st, podOf(c), id, c.scratchPath);
  await combineContainerLayers(st, podOf(c), id, withScsiScratch(st, podOf(c), id, withVsmbPaths(st, podOf(c), doc)));
}

/**
 * Whether the container's writable layer is mounted on the host (the storage filter attached): not for a container
 * hosted in a utility VM (the VM has its VHDX, which Windows cannot mount on the host as well) — except for records
 * of runtimes before that rule, whose storage path is the host volume rather than the scratch folder.
 */
export function scratchMountedOnHost(c: HasSpec & Pick<StoredContainer, 'storagePath' | 'scratchPath'>): boolean {
  return !c.spec.windows.hyperv || kindOf(c) !== 'compute' || c.storagePath !== c.scratchPath;
}
