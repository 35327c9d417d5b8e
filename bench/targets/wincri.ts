/**
 * wincri as a bench target: the real daemon (with its IO keeper and the emulator service) started through the
 * e2e harness on a temp socket, pod networking by our own `nat` CNI plugin (cni/bin/nat) on a free /24, so that
 * RunPodSandbox builds real Linux networking as containerd's bridge plugin does. The work image is a Windows
 * image whose command line runs the host's sh/sleep/yes under the emulator.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appendFileSync } from 'node:fs';
import { Daemon } from '../../test/e2e/harness.js';
import { buildWindowsImage } from '../../test/helpers/image-builder.js';
import { freeSubnet } from '../../test/helpers/netns.js';
import type { Target } from '../target.js';
import { SMALL_HEAP_NODE_FLAGS } from '../../src/util/node-flags.js';
import { pidFile } from './pidfile.js';
// Loaded now, not lazily by Daemon.destroy(): a rebuild of dist/ during a long run must not break the cleanup.
import '../../src/platform/emulator/index.js';

const CNI_BIN = fileURLToPath(new URL('../../../cni/bin', import.meta.url));

/**
 * `nodeArgs`: extra node options for the daemon process (e.g. --cpu-prof --cpu-prof-dir=DIR). `favordynmods`: the
 * emulator mounts its favordynmods cgroup hierarchy (cgroup-dynmods.ts; opt-in, host-wide: the peer's cgroup joins
 * get cheaper too, and from Linux 6.18 it lasts until reboot).
 */
export async function startWincri(opts: { registryHost?: string; extraArgs?: string[]; nodeArgs?: string[]; favordynmods?: boolean } = {}): Promise<Target & { daemon: Daemon }> {
  const sub = freeSubnet();
  if (opts.favordynmods) process.env.WINCRI_EMULATOR_FAVORDYNMODS = '1';
  const d = new Daemon('wincri-bench', {
    cniBinDirs: [CNI_BIN],
    // Apart from the bench client's scheduling group, as containerd is (../lib/session.ts).
    ownSession: true,
    // The node options of deploy/linux/wincri.service, then any given here.
    launcher: ['sh', '-c', `exec "$0" ${[...SMALL_HEAP_NODE_FLAGS, ...(opts.nodeArgs ?? [])].map((a) => `'${a}'`).join(' ')} "$@"`],
    network: { file: '10-nat.conflist', conf: { cniVersion: '1.0.0', name: 'bench-nat', plugins: [{ type: 'nat', subnet: sub.prefix, gateway: sub.gateway }] } },
  });
  // images.pullConcurrency stays at its default, as containerd's max_concurrent_downloads does (../peer/containerd.ts).
  if (opts.registryHost) appendFileSync(d.configFile, `registries:\n  "${opts.registryHost}":\n    insecure: true\n`);
  try {
    // Info level: the harness default (debug) would log every RPC and distort the figures.
    await d.start(['--log-level', 'info', ...(opts.extraArgs ?? [])]);
    const tar = await buildWindowsImage({ dir: d.dir, names: ['example.com/wincri/bench:1.0'], format: 'oci', layers: [{ 'app/hello.txt': 'hello\n' }], config: { Cmd: ['sh'] } });
    const imageId = d.importImage(tar).split('\t')[0]!.trim();
    if (!/^sha256:[0-9a-f]{64}$/.test(imageId)) throw new Error(`unexpected import output: ${imageId}`);
    return {
      name: 'wincri', endpoint: d.endpoint, metricsUrl: `${d.metricsUrl()}/metrics`, runtime: d.runtime, image: d.image, workImage: imageId, logRoot: d.logDir, daemon: d,
      pids: () => [d.proc?.pid, pidFile(join(d.root, 'io', 'keeper.pid')), pidFile(join(d.root, 'emulator', 'service.pid'))].filter((p): p is number => !!p),
      stop: async () => {
        // WINCRI_BENCH_LOG=FILE keeps what the daemon and its services logged (e.g. the per-step pull timers).
        if (process.env.WINCRI_BENCH_LOG) appendFileSync(process.env.WINCRI_BENCH_LOG, d.fullLog());
        await d.destroy();
      },
    };
  } catch (e) {
    console.error(d.log());
    await d.destroy();
    throw e;
  }
}
