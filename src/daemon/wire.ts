/**
 * The one place that picks implementations and wires them together: platform backend, image store, IO keeper,
 * runtime, CRI server, metrics.
 */
import { spawn } from 'node:child_process';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { Registry, collectDefaultMetrics, Counter, Gauge } from 'prom-client';
import YAML from 'yaml';
import { bundledCniBinDir, type Config } from '../config/config.js';
import type { Platform } from '../platform/types.js';
import { createEmulatorPlatform } from '../platform/emulator/index.js';
import { createWindowsPlatform } from '../platform/windows/index.js';
import { ImageService } from '../images/service.js';
import { KeeperClient } from '../container-io/keeper-client.js';
import { isKeeperError } from '../container-io/protocol.js';
import { RuntimeError } from '../errors.js';
import { Runtime } from '../runtime/runtime.js';
import type { ImageProvider, IoKeeper, PodNetwork } from '../runtime/ports.js';
import { CniManager, defaultNetworkList } from '../network/index.js';
import { addCriServices } from '../cri/server.js';
import { createRpcMetrics } from '../cri/handler.js';
import type { CriContext } from '../cri/context.js';
import { writeFileAtomic } from '../util/atomic.js';
import { lastResortCounts } from '../util/last-resort.js';
import { logger } from '../util/log.js';
import { listen, type EndpointListener } from './listener.js';
import { addAdminService } from './admin.js';
import { VERSION } from '../version.js';

const log = logger('daemon');

export async function createPlatform(cfg: Config): Promise<Platform> {
  if (cfg.backend === 'windows') return createWindowsPlatform();
  return createEmulatorPlatform({
    stateDir: cfg.emulator.stateDir, osVersion: cfg.emulator.osVersion, architecture: cfg.emulator.architecture,
  });
}

/** The running daemon's pid (written once it serves, removed when it stops gracefully). */
export function daemonPidFile(cfg: Config): string { return join(cfg.root, 'daemon.pid'); }

export function keeperPaths(cfg: Config): { socketPath: string; stateDir: string; configFile: string; logFile: string; pidFile: string } {
  const dir = join(cfg.root, 'io');
  return { socketPath: join(dir, 'keeper.sock'), stateDir: dir, configFile: join(dir, 'config.yaml'), logFile: join(dir, 'keeper.log'), pidFile: join(dir, 'keeper.pid') };
}

/** Starts the IO keeper as a detached process that outlives the daemon. */
async function spawnKeeper(cfg: Config): Promise<void> {
  const p = keeperPaths(cfg);
  await mkdir(p.stateDir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(p.configFile, YAML.stringify(cfg));
  const out = await open(p.logFile, 'a');
  const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  const child = spawn(process.execPath, [cli, 'io-keeper', '--config', p.configFile], {
    detached: true, stdio: ['ignore', out.fd, out.fd], env: process.env,
  });
  child.unref();
  await out.close();
  if (child.pid) await writeFileAtomic(p.pidFile, String(child.pid));
  log.info('started IO keeper', { pid: child.pid, log: p.logFile });
}

function imageProvider(images: ImageService): ImageProvider {
  return {
    resolveForContainer: async (ref) => {
      const img = await images.resolve(ref);
      const c = img.config;
      return {
        id: img.id, repoTags: img.repoTags, repoDigests: img.repoDigests,
        env: c.env ?? [], entrypoint: c.entrypoint ?? [], cmd: c.cmd ?? [], workingDir: c.workingDir ?? '', user: c.user ?? '',
        layerPaths: images.layerPaths(img.id),
      };
    },
    acquire: (imageId, containerId) => images.acquire(imageId, containerId),
    release: (containerId) => images.release(containerId),
  };
}

/** The keeper speaks its own error codes; the runtime sees domain errors. */
function keeperPort(k: KeeperClient): IoKeeper {
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
    ack: (id) => map(k.ack(id)),
    forget: (id) => map(k.forget(id)),
    onExit: (cb) => { void k.onExit(cb); },
  };
}

/** CNI pod networking; on the emulator the plugins reach the emulator service through its state dir. */
export function podNetwork(cfg: Config): PodNetwork {
  // The built-in default network (emulator only) runs the nat plugin shipped in this package, wherever binDirs point.
  const fallback = cfg.backend === 'emulator' && cfg.cni.defaultNetwork.enabled;
  const cni = new CniManager({
    confDir: cfg.cni.confDir, timeoutSeconds: cfg.cni.timeoutSeconds,
    binDirs: fallback && !cfg.cni.binDirs.includes(bundledCniBinDir()) ? [...cfg.cni.binDirs, bundledCniBinDir()] : cfg.cni.binDirs,
    podCidrTemplate: cfg.cni.podCidrTemplate, cacheDir: join(cfg.root, 'state', 'cni'),
    env: cfg.backend === 'emulator' ? { WINCRI_EMULATOR_STATE_DIR: cfg.emulator.stateDir } : {},
    defaultNetwork: fallback ? defaultNetworkList(cfg.cni.defaultNetwork) : undefined,
  });
  return {
    status: () => cni.status(),
    setUp: (req) => cni.setUp(req),
    tearDown: (req) => cni.tearDown(req),
    check: (req) => cni.check(req),
    gc: (ids) => cni.gc(ids),
    setPodCidr: (cidr) => cni.setPodCidr(cidr),
  };
}

export interface Daemon { close(): Promise<void>; runtime: Runtime; endpoint: string }

export async function startDaemon(cfg: Config): Promise<Daemon> {
  await mkdir(cfg.root, { recursive: true, mode: 0o711 });
  const platform = await createPlatform(cfg);
  const images = await ImageService.open({
    root: cfg.root, storage: platform.storage, host: platform.host, maxLayerBytes: cfg.images.maxLayerBytes,
    registries: cfg.registries, pullConcurrency: cfg.images.pullConcurrency, allowForeignLayers: cfg.images.allowForeignLayers,
    pullIdleTimeoutMs: cfg.images.pullIdleTimeoutSeconds * 1000,
  });
  const kp = keeperPaths(cfg);
  const keeper = await KeeperClient.connect(kp.socketPath, { spawn: () => spawnKeeper(cfg) });
  const runtime = await Runtime.open({
    platform, images: imageProvider(images), keeper: keeperPort(keeper),
    stateDir: join(cfg.root, 'state'), scratchDir: join(cfg.root, 'containers'),
    runtimeHandlers: cfg.runtimeHandlers, maxLogLineSize: cfg.containerLog.maxLineSize,
    shutdownTimeoutSeconds: cfg.shutdownTimeoutSeconds, execSyncMaxOutputBytes: cfg.execSyncMaxOutputBytes,
    network: podNetwork(cfg),
  });

  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'wincri_' });
  new Counter({ name: 'wincri_unhandled_rejections_total', help: 'Unhandled promise rejections and uncaught exceptions the daemon survived (each is a bug: see the log)',
    labelNames: ['kind'], registers: [registry],
    collect() { this.reset(); for (const [kind, n] of Object.entries(lastResortCounts())) this.inc({ kind }, n); } });
  new Gauge({ name: 'wincri_pods', help: 'Pod sandboxes by state', labelNames: ['state'], registers: [registry],
    collect() { for (const st of ['SANDBOX_READY', 'SANDBOX_NOTREADY'] as const) this.set({ state: st }, runtime.listPodSandbox({ state: st }).length); } });
  new Gauge({ name: 'wincri_containers', help: 'Containers by state', labelNames: ['state'], registers: [registry],
    collect() { for (const st of ['CONTAINER_CREATED', 'CONTAINER_RUNNING', 'CONTAINER_EXITED', 'CONTAINER_UNKNOWN'] as const) this.set({ state: st }, runtime.listContainers({ state: st }).length); } });

  const ctx: CriContext = {
    runtime, images, config: cfg, metrics: createRpcMetrics(registry),
    isReady: () => runtime.isReady,
    runtimeName: 'wincri', runtimeVersion: VERSION,
    platformInfo: () => ({ backend: platform.name, osVersion: platform.host.osVersion, architecture: platform.host.architecture }),
    platformConditions: platform.diagnostics ? () => platform.diagnostics!() : undefined,
  };
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 16 * 1024 * 1024, 'grpc.max_send_message_length': 16 * 1024 * 1024 });
  addCriServices(server, ctx);
  addAdminService(server, (path) => images.importArchive(path), async (ref, auth, signal) => {
    const r = await images.pull(ref, { auth, signal });
    return { id: r.image.id, repoTags: r.image.repoTags, repoDigests: r.image.repoDigests, bytes: r.bytes, seconds: r.seconds };
  });

  let listener: EndpointListener | undefined;
  let metricsServer: http.Server | undefined;
  try {
    // The named pipe's security descriptor comes from the platform (SYSTEM + Administrators on Windows).
    const secure = cfg.endpoint.startsWith('npipe://') ? platform.secureEndpoint?.bind(platform) : undefined;
    listener = await listen(server, cfg.endpoint, { secure });
    // Who serves this root (`wincri shutdown` stops it before the IO keeper, which it would otherwise respawn).
    await writeFileAtomic(daemonPidFile(cfg), String(process.pid));
    await runtime.recover();
    log.info('runtime ready', { pods: runtime.listPodSandbox().length, containers: runtime.listContainers().length });
    if (cfg.metrics.address) {
      const [host, port] = splitHostPort(cfg.metrics.address);
      metricsServer = http.createServer((req, res) => {
        if (req.url !== '/metrics') { res.writeHead(404).end(); return; }
        registry.metrics().then((m) => res.writeHead(200, { 'content-type': registry.contentType }).end(m),
          (e) => res.writeHead(500).end(String(e)));
      });
      await new Promise<void>((r) => metricsServer!.listen(port, host, () => r()));
      log.info('serving metrics', { address: cfg.metrics.address });
    }
  } catch (e) {
    await listener?.close().catch(() => undefined);
    server.forceShutdown();
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
      metricsServer?.close();
      await keeper.close();
      images.close();
      await platform.close();
    },
  };
}

function splitHostPort(a: string): [string, number] {
  const i = a.lastIndexOf(':');
  return [a.slice(0, i).replace(/^\[|\]$/g, '') || '127.0.0.1', Number(a.slice(i + 1))];
}
