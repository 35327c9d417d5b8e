/** `wincri shutdown`: the operator-side stop around the design where containers outlive the daemon (see ../shutdown.ts). */
import type { Command } from '../command.js';
import { EXIT, UsageError } from '../args.js';
import { SHUTDOWN_HELP, ShutdownUsageError } from '../shutdown.js';

export const shutdownCommand: Command = {
  name: 'shutdown',
  help: SHUTDOWN_HELP,
  async run(argv) {
    const { shutdownCommand: run } = await import('../shutdown.js');
    try {
      await run(argv);
    } catch (e) {
      if (e instanceof ShutdownUsageError) throw new UsageError(e.message);
      throw e;
    }
    return process.exitCode === undefined ? EXIT.OK : Number(process.exitCode);
  },
};
