/**
 * A utility VM whose process dies (emulator service/vm-watch.ts): the VM stops with UnexpectedExit, its hosted
 * systems and their processes with it, and the VM is Stopped before any hosted process's exit is reported.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setup, until } from './helpers.js';
import { buildUtilityVmDocument } from '../../../../src/platform/hcs/document/index.js';
import { isolationFacts } from '../../../../src/platform/emulator/service/isolation.js';
import type { ComputeSystemDoc } from '../../../../src/platform/hcs/schema/index.js';

const skip = isolationFacts().Enabled ? false : 'a utility VM has a process only with isolation (root, util-linux)';

test('a VM whose process dies stops (UnexpectedExit) and reports it before its hosted processes\' exits', { skip }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const { compute } = env.platform;
  const boot = join(env.dir, 'base', 'UtilityVM', 'Files', 'EFI', 'Microsoft', 'Boot');
  mkdirSync(boot, { recursive: true });
  writeFileSync(join(boot, 'bootmgfw.efi'), 'efi');
  mkdirSync(join(env.dir, 'vm'), { recursive: true });
  writeFileSync(join(env.dir, 'vm', 'sandbox.vhdx'), '');
  const vm = await compute.createComputeSystem('crash@vm', buildUtilityVmDocument({
    owner: 'wincri-test', utilityVmPath: join(env.dir, 'base', 'UtilityVM'), scratchVhdPath: join(env.dir, 'vm', 'sandbox.vhdx'),
    memoryMiB: 256, processorCount: 1, hostProcessorCount: 2,
  }));
  await vm.start();
  const hosted: ComputeSystemDoc = { SchemaVersion: { Major: 2, Minor: 1 }, Owner: 'wincri-test', HostingSystemId: 'crash@vm', HostedSystem: { SchemaVersion: { Major: 2, Minor: 1 }, Container: {} } };
  const a = await compute.createComputeSystem('crash-a', hosted);
  await a.start();
  const p = await a.createProcess({ CommandLine: 'sleep 60' });
  const vmExit = vm.waitExit();
  const aExit = a.waitExit();
  const stateAtProcessExit = p.waitExit().then(async () => (await vm.getProperties({})).State);

  const systems = JSON.parse(readFileSync(join(env.dir, 'state', 'records', 'systems.json'), 'utf8')) as { id: string; holder?: { pid: number } }[];
  const holder = systems.find((s) => s.id === 'crash@vm')?.holder?.pid;
  assert.ok(holder, 'the VM has a process');
  process.kill(holder, 'SIGKILL');

  assert.equal((await vmExit).ExitType, 'UnexpectedExit');
  assert.equal((await aExit).ExitType, 'ForcedExit');
  assert.equal(await stateAtProcessExit, 'Stopped', 'the VM is stopped when the hosted process\'s exit is reported');
  await until(async () => (await a.getProperties({})).State === 'Stopped');
  a.close();
  vm.close();
});
