/**
 * Runs the platform contract (./contract.ts) against both implementations: the Linux emulator (its own service
 * process on a temp state dir) and the Windows backend — the unchanged koffi bindings — loaded against the C test
 * library test/ffi/fakehcs.c.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmulatorPlatform } from '../../src/platform/emulator/index.js';
import { stopEmulatorService } from '../../src/platform/emulator/service-stop.js';
import { createWindowsPlatform } from '../../src/platform/windows/index.js';
import { platformContract, type ContractOp } from './contract.js';
import { buildFakeLibrary, fakeLibraries, FakeControls } from '../ffi/fakelib.js';

const EMULATOR_OPS: Record<ContractOp, string> = {
  start: 'startSystem', pause: 'pauseSystem', createProcess: 'createProcess', getProperties: 'systemProperties',
  modify: 'modifySystem', terminateProcess: 'terminateProcess', createNetwork: 'createNetwork',
  createNamespace: 'createNamespace', modifyNamespace: 'modifyNamespace', importLayer: 'importLayer',
};

const FAKE_OPS: Record<ContractOp, string> = {
  start: 'HcsStartComputeSystem', pause: 'HcsPauseComputeSystem', createProcess: 'HcsCreateProcess',
  getProperties: 'HcsGetComputeSystemProperties', modify: 'HcsModifyComputeSystem', terminateProcess: 'HcsTerminateProcess',
  createNetwork: 'HcnCreateNetwork', createNamespace: 'HcnCreateNamespace', modifyNamespace: 'HcnModifyNamespace',
  importLayer: 'HcsImportLayer',
};

platformContract('emulator', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-contract-'));
  const stateDir = join(dir, 'state');
  const platform = await createEmulatorPlatform({ stateDir });
  return {
    platform,
    failNext: (op, hr) => platform.injectFault(EMULATOR_OPS[op], hr, 1),
    async crashVm(id) {
      // The VM's process is its namespace holder (service/vm-watch.ts); without isolation it has none.
      const systems = JSON.parse(readFileSync(join(stateDir, 'records', 'systems.json'), 'utf8')) as { id: string; holder?: { pid: number } }[];
      const pid = systems.find((s) => s.id === id)?.holder?.pid;
      if (!pid) return false;
      process.kill(pid, 'SIGKILL');
      return true;
    },
    async cleanup() {
      await platform.close();
      await stopEmulatorService(stateDir, { removingStateDir: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

platformContract('windows (koffi → C test library)', async () => {
  const so = buildFakeLibrary();
  const fake = new FakeControls(so);
  fake.clearFails();
  const platform = await createWindowsPlatform({ libraries: fakeLibraries(so), host: { osVersion: '10.0.20348', architecture: 'amd64' } });
  let sync = false;
  return {
    platform,
    async failNext(op, hr) {
      // Alternate between the two ways HCS reports failures: the verb itself, or its operation's result.
      fake.fail(FAKE_OPS[op], hr, '', 1, (sync = !sync));
    },
    crashVm: async (id) => fake.crashSystem(id),
    leaks: () => ({ handles: fake.liveHandles(), strings: fake.outstandingStrings(), freeErrors: fake.freeErrors() }),
    async cleanup() {
      await platform.close();
      fake.killAll();
    },
  };
});
