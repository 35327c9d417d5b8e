/**
 * The platform backend for a configuration, and where the IO keeper lives. Kept apart from wire.ts so that the IO
 * keeper and the node agent load only this (not gRPC, the image store or the CRI services), and each backend is
 * imported only when chosen (the emulator never loads the Windows FFI bindings and koffi).
 */
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { Platform } from '../platform/types.js';

/** `spawnService: false` (wincri doctor) only connects to a running emulator service, never starts one. */
export async function createPlatform(cfg: Config, opts: { spawnService?: boolean } = {}): Promise<Platform> {
  if (cfg.backend === 'windows') {
    const { createWindowsPlatform } = await import('../platform/windows/index.js');
    return createWindowsPlatform({ stateDir: join(cfg.root, 'windows') });
  }
  const { createEmulatorPlatform } = await import('../platform/emulator/index.js');
  return createEmulatorPlatform({
    stateDir: cfg.emulator.stateDir, osVersion: cfg.emulator.osVersion, architecture: cfg.emulator.architecture,
    spawnService: opts.spawnService, ...(opts.spawnService === false ? { connectTimeoutMs: 3000 } : {}),
  });
}

export interface KeeperPaths { socketPath: string; stateDir: string; configFile: string; logFile: string; outFile: string; pidFile: string }

/** logFile: the keeper's log (rotated); outFile: its stdout/stderr (what bypasses the logger). */
export function keeperPaths(cfg: Config): KeeperPaths {
  const dir = join(cfg.root, 'io');
  return {
    socketPath: join(dir, 'keeper.sock'), stateDir: dir, configFile: join(dir, 'config.yaml'), logFile: join(dir, 'keeper.log'),
    outFile: join(dir, 'keeper.out'), pidFile: join(dir, 'keeper.pid'),
  };
}
