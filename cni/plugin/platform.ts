/** The HNS the plugin talks to: the Windows backend on Windows, the emulator service elsewhere. */
import { join } from 'node:path';
import type { Platform } from '../../src/platform/types.js';

/** Where the runtime's emulator keeps its state unless WINCRI_EMULATOR_STATE_DIR says otherwise. */
export const DEFAULT_EMULATOR_STATE_DIR = join('/var/lib/wincri', 'emulator');

export async function openPlatform(env: NodeJS.ProcessEnv = process.env): Promise<Platform> {
  if (process.platform === 'win32') {
    const { createWindowsPlatform } = await import('../../src/platform/windows/index.js');
    return createWindowsPlatform();
  }
  const { createEmulatorPlatform } = await import('../../src/platform/emulator/index.js');
  // Never spawn a service from a plugin: the node's runtime owns it; no service means "try again later".
  const timeout = Number(env.WINCRI_CNI_CONNECT_TIMEOUT_MS);
  return createEmulatorPlatform({
    stateDir: env.WINCRI_EMULATOR_STATE_DIR || DEFAULT_EMULATOR_STATE_DIR, spawnService: false,
    connectTimeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 5000,
  });
}
