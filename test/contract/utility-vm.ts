/**
 * The utility-VM part of the platform contract (Hyper-V isolation): a VM built by the document builder boots
 * from the image's UtilityVM files, hosts containers (HostedSystem + HostingSystemId), takes them down when it
 * stops — asked to, or dying on its own (UnexpectedExit, hosted systems ForcedExit) — and a hosted system needs
 * its VM to exist (HCS_E_SYSTEM_NOT_FOUND) and to be running (HCS_E_INVALID_STATE).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ComputeSystem, ComputeService } from '../../src/platform/types.js';
import type { ComputeSystemDoc } from '../../src/platform/hcs/schema/index.js';
import { buildUtilityVmDocument, hostedSystemDocument } from '../../src/platform/hcs/document/index.js';
import { rejectsWith } from '../helpers/platform.js';
import type { ContractTarget } from './contract.js';

const V21 = { Major: 2, Minor: 1 };
const hosted = (vmId: string): ComputeSystemDoc => hostedSystemDocument({}, { owner: 'wincri-contract', hostingSystemId: vmId, schemaVersion: V21 });

/** A base layer's UtilityVM folder with the boot manager, as an image ships it. */
function utilityVmFolder(dir: string): string {
  const boot = join(dir, 'UtilityVM', 'Files', 'EFI', 'Microsoft', 'Boot');
  mkdirSync(boot, { recursive: true });
  writeFileSync(join(boot, 'bootmgfw.efi'), 'efi');
  writeFileSync(join(dir, 'sandbox.vhdx'), ''); // the VM's scratch disk (a stand-in: the emulator checks it exists)
  return join(dir, 'UtilityVM');
}

async function bootVm(compute: ComputeService, dir: string, id: string): Promise<ComputeSystem> {
  const vm = await compute.createComputeSystem(id, buildUtilityVmDocument({
    owner: 'wincri-contract', utilityVmPath: utilityVmFolder(dir), scratchVhdPath: join(dir, 'sandbox.vhdx'),
    memoryMiB: 256, processorCount: 1, hostProcessorCount: 2,
  }));
  await vm.start();
  return vm;
}

export function utilityVmContract(name: string, make: () => Promise<ContractTarget>): void {
  const withVm = (title: string, body: (t: ContractTarget, dir: string, ctx: TestContext) => Promise<void>) =>
    test(`${name} contract: utility VM: ${title}`, async (ctx) => {
      const target = await make();
      const dir = mkdtempSync(join(tmpdir(), 'wincri-contract-uvm-'));
      try {
        await body(target, dir, ctx);
      } finally {
        await target.cleanup();
        rmSync(dir, { recursive: true, force: true });
      }
    });

  withVm('a hosted system needs its VM to exist and to run', async ({ platform }, dir) => {
    const c = platform.compute;
    const vmId = `contract-${randomUUID()}@vm`;
    await rejectsWith(c.createComputeSystem(`h-${randomUUID()}`, hosted(vmId)), 'HCS_E_SYSTEM_NOT_FOUND');
    const vm = await c.createComputeSystem(vmId, buildUtilityVmDocument({
      owner: 'wincri-contract', utilityVmPath: utilityVmFolder(dir), scratchVhdPath: join(dir, 'sandbox.vhdx'),
      memoryMiB: 256, processorCount: 1, hostProcessorCount: 2,
    }));
    await rejectsWith(c.createComputeSystem(`h-${randomUUID()}`, hosted(vmId)), 'HCS_E_INVALID_STATE');
    assert.equal((await vm.getProperties()).SystemType, 'VirtualMachine');
    await vm.terminate();
    vm.close();
  });

  withVm('stopping the VM stops what it hosts', async ({ platform }, dir) => {
    const c = platform.compute;
    const vmId = `contract-${randomUUID()}@vm`;
    const vm = await bootVm(c, dir, vmId);
    const h = await c.createComputeSystem(`h-${randomUUID()}`, hosted(vmId));
    await h.start();
    assert.equal((await h.getProperties()).HostingSystemId ?? vmId, vmId);
    const p = await h.createProcess({ CommandLine: 'sh -c "sleep 60"' });
    const hostedExit = h.waitExit();
    const vmExit = vm.waitExit();
    await vm.terminate();
    assert.equal((await vmExit).ExitType, 'ForcedExit');
    assert.equal((await hostedExit).ExitType, 'ForcedExit');
    assert.equal((await p.waitExit()).Exited, true);
    assert.equal((await h.getProperties()).State, 'Stopped');
    p.close();
    h.close();
    vm.close();
  });

  withVm('a VM that dies on its own: UnexpectedExit, hosted systems stopped, exit delivered to every handle', async (target, dir, ctx) => {
    const c = target.platform.compute;
    const vmId = `contract-${randomUUID()}@vm`;
    const vm = await bootVm(c, dir, vmId);
    const h = await c.createComputeSystem(`h-${randomUUID()}`, hosted(vmId));
    await h.start();
    await h.createProcess({ CommandLine: 'sh -c "sleep 60"' }).then((p) => p.close());
    const watcher = await c.openComputeSystem(vmId); // a second handle, as the runtime's VM owner holds
    const events: string[] = [];
    watcher.onEvent((e) => events.push(e.type));
    const [vmExit, watched, hostedExit] = [vm.waitExit(), watcher.waitExit(), h.waitExit()];
    if (!await target.crashVm(vmId)) {
      ctx.skip('this implementation gives a VM no process to lose here');
      for (const s of [watcher, h, vm]) s.close();
      return;
    }
    assert.equal((await vmExit).ExitType, 'UnexpectedExit');
    assert.equal((await watched).ExitType, 'UnexpectedExit');
    assert.equal((await hostedExit).ExitType, 'ForcedExit');
    assert.ok(events.includes('SystemExited'), 'the exit event reached the other handle');
    assert.equal((await vm.getProperties()).State, 'Stopped');
    await rejectsWith(h.start(), 'HCS_E_INVALID_STATE');
    for (const s of [watcher, h, vm]) s.close();
  });
}
