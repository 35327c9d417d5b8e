/**
 * The one place that picks implementations and wires them together: platform backend, image store, IO keeper,
 * runtime, CRI server, metrics.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Counter } from 'prom-client';
import type { Config } from '../config/config.js';
import type { Platform } from '../platform/types.js';
import { createPlatform, keeperPaths } from './platform-factory.js';
import { spawnKeeper } from './keeper-spawn.js';
import { keeperLiveness, keeperRequestTimeoutMs, killUnresponsiveKeeper } from './keeper-deadlines.js';
import { ImageService } from '../images/service.js';
import { KeeperClient } from '../container-io/keeper-client.js';
import { isKeeperError } from '../container-io/protocol.js';
import { RuntimeError } from '../errors.js';
import { Runtime } from '../runtime/runtime.js';
import type { ImageProvider, IoKeeper } from '../runtime/ports.js';
import { podNetwork } from './pod-network.js';
import { timedPlatform, timedKeeper } from './timed-platform.js';
import { platformWithDeadlines } from './platform-deadline.js';
import { limitSlots } from './limit-slots.js';
import { addCriServices } from '../cri/server.js';
import type { CriContext } from '../cri/context.js';
import { writeFileAtomic } from '../util/atomic.js';
import { lastResortCounts } from '../util/last-resort.js';
import { logger } from '../util/log.js';
import { touchIdleGc } from '../util/idle-gc.js';
import { listen, type EndpointListener } from './listener.js';
import { startStreaming } from './streaming.js';
import { addAdminService, type AdminExtras } from './admin.js';
import { maskConfig } from '../config/mask.js';
import { ownedNamespaces } from '../runtime/namespaces.js';
import { ownedCredentialGuards } from '../runtime/credential-guard.js';
import { VERSION } from '../version.js';
import { createDaemonMetrics, instrumentPlatform, type HelperProcess } from './metrics/index.js';
import { startMetricsServer, type MetricsServer } from './metrics-server.js';
import { PID_NAME } from '../platform/emulator/protocol.js';

const log = logger('daemon');

export { createPlatform, keeperPaths, podNetwork };

/** The running daemon's pid (written once it serves, removed when it stops gracefully). */
export function daemonPidFile(cfg: Config): string { return join(cfg.root, 'daemon.pid'); }

export function imageProvider(images: ImageService): ImageProvider {
  return {
    resolveForContainer: async (ref) => {
      const img = await images.resolve(ref);
      const c = img.config;
      return {
        id: img.id, repoTags: img.repoTags, repoDigests: img.repoDigests,
        env: c.env ?? [], entrypoint: c.entrypoint ?? [], cmd: c.cmd ?? [], workingDir: c.workingDir ?? '', user: c.user ?? '',
        layerPaths: images.layerPaths(img.id), ...(c.osVersion ? { osVersion: c.osVersion } : {}),
      };
    },
    acquire: (imageId, containerId) => images.acquire(imageId, containerId),
    release: (containerId) => images.release(containerId),
  };
}

/** The keeper speaks its own error codes; the runtime sees domain errors. */
export function keeperPort(k: KeeperClient): IoKeeper {
  const map = async <T>(p: Promise<T>): Promise<T> => {
    try {
      return await p;
    } catch (e) {
      if (isKeeperError(e)) throw new RuntimeError(e.code === 'Platform' ? 'Internal' : e.code, `IO keeper: ${e.message}`, { cause: e });
      throw e;
    }
  };
  return {
    start: (req) => map(k.start(req)),
    reopenLog: (id) => map(k.reopenLog(id)),
    list: () => map(k.list()),
    attach: (containerId, io) => map(k.attachContainer({ containerId, ...io })),
    ack: (id) => map(k.ack(id)),
    forget: (id) => map(k.forget(id)),
    onExit: (cb) => { void k.onExit(cb); },
  };
}

/** Helper processes whose CPU and memory the metrics report (from their pid files). */
function helperProcesses(cfg: Config): HelperProcess[] {
  const pidFrom = (file: string) => async () => Number((await readFile(file, 'utf8')).trim()) || undefined;
  const out: HelperProcess[] = [{ name: 'io-keeper', pid: pidFrom(keeperPaths(cfg).pidFile) }];
  if (cfg.backend === 'emulator') out.push({ name: 'emulator', pid: pidFrom(join(cfg.emulator.stateDir, PID_NAME)) });
  return out;
}

export interface Daemon { close(): Promise<void>; runtime: Runtime; endpoint: string }

export async function startDaemon(cfg: Config): Promise<Daemon> {
  await mkdir(cfg.root, { recursive: true, mode: 0o711 });
  let runtimeRef: Runtime | undefined;
  let keeperRef: KeeperClient | undefined;
  const slots = limitSlots(cfg.limits);
  const metrics = createDaemonMetrics({
    runtime: () => runtimeRef, helpers: helperProcesses(cfg), limits: () => ({ ...slots }),
    logCounts: async () => (keeperRef ? (await keeperRef.list()).map((a) => ({ containerId: a.containerId, lines: a.logLines ?? 0, bytes: a.logBytes ?? 0 })) : []),
  });
  // Calls to the platform and the IO keeper are timed per RPC (wincri_grpc_outside_seconds_total).
  // Every platform call has a deadline (limits.platformCallTimeoutSeconds): a hung call fails its RPC, not the node.
  const platform = instrumentPlatform(timedPlatform(platformWithDeadlines(await createPlatform(cfg), cfg.limits.platformCallTimeoutSeconds * 1000)), metrics.platform);
  const images = await ImageService.open({
    root: cfg.root, storage: platform.storage, host: platform.host, maxLayerBytes: cfg.images.maxLayerBytes, discardUnpackedLayers: cfg.images.discardUnpackedLayers,
    registries: cfg.registries, pullConcurrency: cfg.images.pullConcurrency, pullSlots: slots.concurrentPulls, allowForeignLayers: cfg.images.allowForeignLayers,
    pullIdleTimeoutMs: cfg.images.pullIdleTimeoutSeconds * 1000, pullObserver: metrics.pulls,
    pullProgressIntervalMs: cfg.images.pullProgressIntervalSeconds * 1000,
  });
  const kp = keeperPaths(cfg);
  const keeper = await KeeperClient.connect(kp.socketPath, { spawn: () => spawnKeeper(cfg), requestTimeoutMs: keeperRequestTimeoutMs(cfg.limits.platformCallTimeoutSeconds),
    onUnresponsive: killUnresponsiveKeeper, ...keeperLiveness(process.env, (m) => log.warn(m)) });
  keeperRef = keeper;
  const streaming = await startStreaming(cfg.streaming, metrics.registry);
  const runtime = await Runtime.open({
    platform, images: imageProvider(images), keeper: timedKeeper(keeperPort(keeper)), streaming: streaming.service,
    stateDir: join(cfg.root, 'state'), scratchDir: join(cfg.root, 'containers'),
    runtimeHandlers: cfg.runtimeHandlers, maxLogLineSize: cfg.containerLog.maxLineSize,
    shutdownTimeoutSeconds: cfg.shutdownTimeoutSeconds, execSyncMaxOutputBytes: cfg.execSyncMaxOutputBytes,
    network: podNetwork(cfg, platform, metrics.cni, slots.concurrentCniCalls),
  });
  runtimeRef = runtime;
  // Image uses are not persisted per container: the records just loaded say them, before any RPC is served.
  images.adoptUses(Object.fromEntries(runtime.listContainers().map((c) => [c.id, c.imageId])));
  new Counter({ name: 'wincri_unhandled_rejections_total', help: 'Unhandled promise rejections and uncaught exceptions the daemon survived (each is a bug: see the log)',
    labelNames: ['kind'], registers: [metrics.registry],
    collect() { this.reset(); for (const [kind, n] of Object.entries(lastResortCounts())) this.inc({ kind }, n); } });

  const ctx: CriContext = {
    runtime, images, config: cfg, metrics: metrics.rpc,
    rpcSlots: slots.concurrentRpcs,
    execSyncSlots: slots.concurrentExecSync,
    isReady: () => runtime.isReady,
    runtimeName: 'wincri', runtimeVersion: VERSION,
    platformInfo: () => ({ backend: platform.name, osVersion: platform.host.osVersion, architecture: platform.host.architecture }),
    platformConditions: platform.diagnostics ? () => platform.diagnostics!() : undefined,
  };
  // No channelz: nothing reads it, and its per-call bookkeeping (timestamps, counters, per-session trackers) is
  // a measurable part of a cheap RPC such as Version.
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 16 * 1024 * 1024, 'grpc.max_send_message_length': 16 * 1024 * 1024, 'grpc.enable_channelz': 0 });
  addCriServices(server, ctx);
  addAdminService(server, (path) => images.importArchive(path), async (ref, auth, signal, onProgress) => {
    const r = await images.pull(ref, { auth, signal, onProgress });
    return { id: r.image.id, repoTags: r.image.repoTags, repoDigests: r.image.repoDigests, bytes: r.bytes, seconds: r.seconds };
  }, adminExtras(cfg, platform, runtime));

  let listener: EndpointListener | undefined;
  let metricsServer: MetricsServer | undefined;
  try {
    // The named pipe's security descriptor comes from the platform (SYSTEM + Administrators on Windows).
    const secure = cfg.endpoint.startsWith('npipe://') ? platform.secureEndpoint?.bind(platform) : undefined;
    listener = await listen(server, cfg.endpoint, { secure });
    metricsServer = await serveMetrics(cfg, metrics.registry, runtime);
    // Who serves this root (`wincri shutdown` stops it before the IO keeper, which it would otherwise respawn).
    await writeFileAtomic(daemonPidFile(cfg), String(process.pid));
    await runtime.recover();
    log.info('runtime ready', { pods: runtime.listPodSandbox().length, containers: runtime.listContainers().length });
    // Start-up is work too: without this the first collection waited for the first CRI call that is not a poll,
    // and a daemon with no pods kept what start-up left (the proto parse's garbage, the node binary's pages its
    // module loading mapped): 58.8 MiB PSS 12 s after start against 41–45 at 0 pods after a lifecycle burst.
    touchIdleGc();
  } catch (e) {
    await listener?.close().catch(() => undefined);
    await metricsServer?.close();
    server.forceShutdown();
    await streaming.close().catch(() => undefined);
    await keeper.close();
    await platform.close();
    throw e;
  }

  return {
    runtime,
    endpoint: cfg.endpoint,
    // Never stops containers: only the daemon's own listeners and connections go away.
    close: async () => {
      await rm(daemonPidFile(cfg), { force: true });
      await listener?.close();
      await new Promise<void>((r) => server.tryShutdown(() => r()));
      await runtime.flush();
      await streaming.close();
      await metricsServer?.close();
      await keeper.close();
      images.close();
      await platform.close();
    },
  };
}

/** Info and Inventory for the CLI (wincri info, wincri doctor --leaks). */
function adminExtras(cfg: Config, platform: Platform, runtime: Runtime): AdminExtras {
  return {
    info: async () => ({
      version: VERSION, backend: platform.name, osVersion: platform.host.osVersion, architecture: platform.host.architecture,
      endpoint: cfg.endpoint, pid: process.pid, node: process.version,
      config: maskConfig(cfg) as unknown as Record<string, unknown>, runtimeHandlers: ['', ...Object.keys(cfg.runtimeHandlers)],
      handlerIsolation: Object.fromEntries(Object.entries(cfg.runtimeHandlers).map(([n, h]) => [n, h.isolation])),
    }),
    inventory: async () => {
      const sandboxes = runtime.listPodSandbox(), containers = runtime.listContainers();
      const known = new Set([...sandboxes.map((s) => s.id), ...containers.map((c) => c.id)]);
      return {
        sandboxes: sandboxes.map((s) => ({ id: s.id, state: s.state, namespaceId: s.namespaceId })),
        containers: containers.map((c) => ({ id: c.id, sandboxId: c.sandboxId, state: c.state })),
        ownedNamespaces: [...await ownedNamespaces(join(cfg.root, 'state'))],
        ownedCredentialGuards: await ownedCredentialGuards(join(cfg.root, 'state')),
        creating: [...runtime.names.ids()].filter((id) => !known.has(id)),
      };
    },
  };
}

/** The /metrics + /healthz endpoint; failing to bind it is logged, never fatal (metrics are not the node's job). */
async function serveMetrics(cfg: Config, registry: Parameters<typeof startMetricsServer>[1], runtime: Runtime): Promise<MetricsServer | undefined> {
  if (!cfg.metrics.address) return undefined;
  try {
    const s = await startMetricsServer(cfg.metrics.address, registry, {
      runtime: () => (runtime.isReady ? undefined : 'recovering pods and containers after start'),
    });
    log.info('serving metrics', { address: s.address });
    return s;
  } catch (e) {
    log.error('cannot serve metrics; continuing without them', { address: cfg.metrics.address, error: e });
    return undefined;
  }
}
