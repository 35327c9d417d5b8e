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

/** A real emulator service in a temporary directory (with an empty log directory and a socket path), torn down after the test. */
export interface EmulatorWorld {
  dir: string;
  /** The emulator service's state directory. */
  emuState: string;
  /** An empty directory for container logs. */
  logDir: string;
  /** A free socket path in the directory (for a keeper). */
  sock: string;
  platform: Awaited<ReturnType<typeof createEmulatorPlatform>>;
  /** Teardown steps run, in order, before the platform closes (keepers and clients the test started). */
  closers: Array<() => unknown>;
}

export interface KeeperWorld extends EmulatorWorld {
  client: KeeperClient;
}

export async function emulatorWorld(t: TestContext, prefix: string): Promise<EmulatorWorld> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const emuState = join(dir, 'emu');
  const logDir = join(dir, 'logs');
  mkdirSync(logDir);
  const platform = await createEmulatorPlatform({ stateDir: emuState });
  const world: EmulatorWorld = { dir, emuState, logDir, sock: join(dir, 'k.sock'), platform, closers: [] };
  t.after(async () => {
    for (const close of world.closers) await close();
    await platform.close();
    await stopEmulatorService(emuState, { removingStateDir: true });
    rmSync(dir, { recursive: true, force: true });
  });
  return world;
}

export async function keeperOnEmulator(t: TestContext, prefix: string): Promise<KeeperWorld> {
  const world = await emulatorWorld(t, prefix);
  const keeper = await runKeeper({ socketPath: world.sock, stateDir: join(world.dir, 'io'), platform: world.platform, log: quiet });
  const client = await KeeperClient.connect(world.sock, { log: quiet });
  world.closers.push(() => client.close(), () => keeper.close());
  return { ...world, client };
}

/** Creates and starts an empty container compute system named `id`. */
export async function runningSystem(platform: KeeperWorld['platform'], id: string): Promise<void> {
  const system = await platform.compute.createComputeSystem(id, { Owner: 'wincri-test', SchemaVersion: { Major: 2, Minor: 1 }, Container: {} });
  await system.start();
  system.close();
}
