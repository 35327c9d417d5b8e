/**
 * wincri's own CNI plugin (cni/plugin) run inside the daemon (src/network/in-process.ts decides when): the
 * plugin's entry with the daemon's platform connection instead of a new one per call. The plugin closes its
 * platform when done, so it gets a view whose close() does nothing.
 */
import { fileURLToPath } from 'node:url';
import type { Platform } from '../platform/types.js';
import type { InProcessPlugin } from '../network/in-process.js';
import { run } from '../../cni/plugin/run.js';

export function ownCniPlugin(platform: Platform): InProcessPlugin {
  const shared: Platform = {
    name: platform.name, compute: platform.compute, jobs: platform.jobs, network: platform.network, storage: platform.storage, host: platform.host,
    close: async () => undefined,
  };
  return {
    mainPath: fileURLToPath(new URL('../../cni/plugin/main.js', import.meta.url)),
    run: (env, stdin) => run(env, () => stdin, async () => shared),
  };
}
