/**
 * Process entry for the IO keeper (`wincri io-keeper`, wired by the CLI). Runs the keeper until SIGTERM or
 * SIGINT. Stopping the keeper releases the containers' stdio, so it is meant to run for the node's lifetime;
 * the daemon spawns it detached and never stops it on its own restart. The process entry (the CLI) installs the
 * last-resort policy (src/util/last-resort.ts): one failing stream must not take every container's stdio down.
 */
import type { Platform } from '../platform/types.js';
import { logger, type Logger } from '../util/log.js';
import { runKeeper } from './keeper.js';

export interface KeeperMainOptions {
  socketPath: string;
  stateDir: string;
  platform: Platform;
  log?: Logger;
}

export async function keeperMain(opts: KeeperMainOptions): Promise<void> {
  const log = opts.log ?? logger('io-keeper');
  // A detached keeper outlives the terminal that started it.
  const onHup = () => log.info('ignoring SIGHUP');
  process.on('SIGHUP', onHup);
  const keeper = await runKeeper({ socketPath: opts.socketPath, stateDir: opts.stateDir, platform: opts.platform, log });
  try {
    await new Promise<void>((resolve) => {
      const stop = (sig: string) => {
        log.info('stopping IO keeper', { signal: sig });
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        resolve();
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
  } finally {
    await keeper.close();
    process.off('SIGHUP', onHup);
  }
}
