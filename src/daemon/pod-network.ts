/** The daemon's CNI pod networking: the CNI manager with the built-in default network, bounded and instrumented. */
import { join } from 'node:path';
import { bundledCniBinDir, type Config } from '../config/config.js';
import type { Platform } from '../platform/types.js';
import type { PodNetwork, PodNetworkRequest } from '../runtime/ports.js';
import { CniManager, defaultNetworkList } from '../network/index.js';
import { ownCniPlugin } from './cni-in-process.js';
import type { Semaphore } from '../util/semaphore.js';
import { boundedPodNetwork } from './bounded-network.js';
import { instrumentPodNetwork } from './metrics/index.js';

/** CNI pod networking; on the emulator the plugins reach the emulator service through its state dir. */
export function podNetwork(cfg: Config, platform?: Platform, observe?: Parameters<typeof instrumentPodNetwork>[2], slots?: Semaphore): PodNetwork {
  // The built-in default network (emulator only) runs the nat plugin shipped in this package, wherever binDirs point.
  const fallback = cfg.backend === 'emulator' && cfg.cni.defaultNetwork.enabled;
  // The label of a CNI call's metrics: the plugin chain of the network that call used, by pod sandbox: CniManager
  // reports it during the call, the metrics take it (and forget it) when the call ends. Keyed by the sandbox ID,
  // not the request object, so wrappers in between may copy the request (the bounded set-up does).
  const used = new Map<string, string>();
  const cni = new CniManager({
    // Only with metrics: they are what consumes (and forgets) each label. Calls for one sandbox never overlap
    // (the runtime serialises a pod's operations), so a label cannot be taken by another call.
    onNetwork: observe ? (req, net) => used.set(req.sandboxId, net?.plugins.map((p) => p.type).join('+') || 'none') : undefined,
    confDir: cfg.cni.confDir, timeoutSeconds: cfg.cni.timeoutSeconds,
    binDirs: fallback && !cfg.cni.binDirs.includes(bundledCniBinDir()) ? [...cfg.cni.binDirs, bundledCniBinDir()] : cfg.cni.binDirs,
    podCidrTemplate: cfg.cni.podCidrTemplate, cacheDir: join(cfg.root, 'state', 'cni'),
    env: cfg.backend === 'emulator' ? { WINCRI_EMULATOR_STATE_DIR: cfg.emulator.stateDir } : {},
    inProcess: platform ? ownCniPlugin(platform) : undefined,
    defaultNetwork: fallback ? defaultNetworkList(cfg.cni.defaultNetwork) : undefined,
  });
  const n: PodNetwork = {
    status: () => cni.status(),
    setUp: (req) => cni.setUp(req),
    tearDown: (req) => cni.tearDown(req),
    check: (req) => cni.check(req),
    attachedPods: () => cni.attachedPods(),
    gc: (ids) => cni.gc(ids),
    setPodCidr: (cidr) => cni.setPodCidr(cidr),
  };
  const plugin = async (req: PodNetworkRequest) => {
    const label = used.get(req.sandboxId) ?? 'none';
    used.delete(req.sandboxId);
    return label;
  };
  const bounded = boundedPodNetwork(n, slots ?? cfg.limits.concurrentCniCalls);
  return observe ? instrumentPodNetwork(bounded, plugin, observe) : bounded;
}
