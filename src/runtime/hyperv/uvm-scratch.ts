/**
 * The utility VM's scratch disk, as hcsshim makes it for a WCOW utility VM (internal/wcow CreateUVMScratch): a
 * copy of the image's `UtilityVM\SystemTemplate.vhdx` in the VM's own directory under the scratch root, which
 * the VM's worker process is allowed to open (HcsGrantVmAccess) before the VM is created. It goes with the VM.
 */
import { access, copyFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { utilityVmScratchTemplate } from '../../platform/hcs/document/index.js';
import { failedPrecondition, errorMessage } from '../../errors.js';
import { logger } from '../../util/log.js';
import type { RuntimeState } from '../state.js';

const log = logger('runtime');

const vmDir = (st: RuntimeState, vmId: string) => join(st.opts.scratchDir, vmId);

/** Copies the template and grants the VM access to the copy; returns the disk's path. */
export async function prepareUtilityVmScratch(st: RuntimeState, vmId: string, utilityVmPath: string, imageName: string): Promise<string> {
  const template = utilityVmScratchTemplate(utilityVmPath);
  if (!await access(template).then(() => true, () => false)) {
    throw failedPrecondition(`image ${imageName} has no UtilityVM\\SystemTemplate.vhdx in its base layer: the utility VM's scratch disk is made from it`);
  }
  const disk = join(vmDir(st, vmId), 'sandbox.vhdx');
  await mkdir(vmDir(st, vmId), { recursive: true });
  await copyFile(template, disk);
  await st.opts.platform.compute.grantVmAccess(vmId, disk);
  return disk;
}

/** Removes the VM's directory (its scratch disk); a failure is logged, never raised (the VM is gone already). */
export async function removeUtilityVmScratch(st: RuntimeState, vmId: string): Promise<void> {
  await rm(vmDir(st, vmId), { recursive: true, force: true })
    .catch((e) => log.warn('removing a utility VM\'s scratch disk failed', { vm: vmId, error: errorMessage(e) }));
}
