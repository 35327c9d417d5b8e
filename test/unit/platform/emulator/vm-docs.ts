/** Documents of utility VMs and their hosted systems for the emulator's tests (hosting.test.ts, hosted-vm-pause.test.ts). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildUtilityVmDocument } from '../../../../src/platform/hcs/document/index.js';
import type { ComputeSystemDoc } from '../../../../src/platform/hcs/schema/index.js';
import type { ComputeSystem } from '../../../../src/platform/types.js';
import type { Env } from './helpers.js';

/** A base layer folder with UtilityVM\Files holding the boot manager. */
export function baseLayer(env: Env): string {
  const layer = join(env.dir, 'base');
  mkdirSync(join(layer, 'UtilityVM', 'Files', 'EFI', 'Microsoft', 'Boot'), { recursive: true });
  writeFileSync(join(layer, 'UtilityVM', 'Files', 'EFI', 'Microsoft', 'Boot', 'bootmgfw.efi'), 'efi');
  return layer;
}

/** The VM's document, its scratch disk made first (HCS opens it: a missing one is refused). */
export function vmDoc(env: Env, utilityVmPath: string, memoryMiB = 512): ComputeSystemDoc {
  mkdirSync(join(env.dir, 'vm'), { recursive: true });
  writeFileSync(join(env.dir, 'vm', 'sandbox.vhdx'), '');
  return buildUtilityVmDocument({
    owner: 'wincri-test', utilityVmPath, scratchVhdPath: join(env.dir, 'vm', 'sandbox.vhdx'), memoryMiB, processorCount: 1, hostProcessorCount: 4,
  });
}

export const hostedDoc = (vmId: string): ComputeSystemDoc => ({
  SchemaVersion: { Major: 2, Minor: 1 }, Owner: 'wincri-test', HostingSystemId: vmId, HostedSystem: { SchemaVersion: { Major: 2, Minor: 1 }, Container: {} },
});

/** Utility VM `vmId` (on baseLayer) started, and a started hosted system in it for each of `ids`. */
export async function startedVm(env: Env, vmId: string, ids: string[]): Promise<{ vm: ComputeSystem; hosted: ComputeSystem[] }> {
  const vm = await env.platform.compute.createComputeSystem(vmId, vmDoc(env, join(baseLayer(env), 'UtilityVM')));
  await vm.start();
  const hosted: ComputeSystem[] = [];
  for (const id of ids) {
    const h = await env.platform.compute.createComputeSystem(id, hostedDoc(vmId));
    await h.start();
    hosted.push(h);
  }
  return { vm, hosted };
}
