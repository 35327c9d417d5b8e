/** An IO keeper on a real emulator service in a temporary directory, with a connected client; torn down after the test. */
import type { TestContext } from 'node:test';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmulatorPlatform } from '../../src/platform/emulator/index.js';
import { stopEmulatorService } from '../../src/platform/emulator/service-stop.js';
import { runKeeper } from '../../src/container-io/keeper.js';
import { KeeperClient } from '../../src/container-io/keeper-client.js';
import type { Logger } from '../../src/util/log.js';

export const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

export interface KeeperWorld {
  dir: string;
  /** The emulator service's state directory. */
  emuState: string;
  /** An empty directory for container logs. */
  logDir: string;
  sock: string;
  platform: Awaited<ReturnType<typeof createEmulatorPlatform>>;
  client: KeeperClient;
}

export async function keeperOnEmulator(t: TestContext, prefix: string): Promise<KeeperWorld> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const emuState = join(dir, 'emu');
  const logDir = join(dir, 'logs');
  mkdirSync(logDir);
  const sock = join(dir, 'k.sock');
  const platform = await createEmulatorPlatform({ stateDir: emuState });
  const keeper = await runKeeper({ socketPath: sock, stateDir: join(dir, 'io'), platform, log: quiet });
  const client = await KeeperClient.connect(sock, { log: quiet });
  t.after(async () => {
    await client.close();
    await keeper.close();
    await platform.close();
    await stopEmulatorService(emuState, { removingStateDir: true });
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, emuState, logDir, sock, platform, client };
}

/** Creates and starts an empty container compute system named `id`. */
export async function runningSystem(platform: KeeperWorld['platform'], id: string): Promise<void> {
  const system = await platform.compute.createComputeSystem(id, { Owner: 'wincri-test', SchemaVersion: { Major: 2, Minor: 1 }, Container: {} });
  await system.start();
  system.close();
}
