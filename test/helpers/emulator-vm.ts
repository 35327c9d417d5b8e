/** A utility VM created on a private emulator service, for fixture tests that feed it VM requests. */
import type { TestContext } from 'node:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildUtilityVmDocument } from '../../src/platform/hcs/document/index.js';
import { createEmulatorPlatform, type EmulatorPlatform } from '../../src/platform/emulator/index.js';
import { stopEmulatorService } from '../../src/platform/emulator/service-stop.js';
import type { ComputeSystem } from '../../src/platform/types.js';

/** Creates (not starts) VM `vmId` from a minimal UtilityVM folder under a temp dir; everything goes with the test. */
export async function emulatedUtilityVm(t: TestContext, prefix: string, vmId: string): Promise<{ dir: string; p: EmulatorPlatform; vm: ComputeSystem }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const stateDir = join(dir, 'state');
  const p = await createEmulatorPlatform({ stateDir });
  t.after(async () => { await p.close(); await stopEmulatorService(stateDir, { removingStateDir: true }); rmSync(dir, { recursive: true, force: true }); });
  const boot = join(dir, 'base', 'UtilityVM', 'Files', 'EFI', 'Microsoft', 'Boot');
  mkdirSync(boot, { recursive: true });
  writeFileSync(join(boot, 'bootmgfw.efi'), 'efi');
  writeFileSync(join(dir, 'sandbox.vhdx'), ''); // the VM's scratch disk must exist (HCS opens it)
  const vm = await p.compute.createComputeSystem(vmId, buildUtilityVmDocument({
    owner: 'wincri', utilityVmPath: join(dir, 'base', 'UtilityVM'), scratchVhdPath: join(dir, 'sandbox.vhdx'), memoryMiB: 256, processorCount: 1, hostProcessorCount: 2,
  }));
  t.after(() => vm.close());
  return { dir, p, vm };
}
