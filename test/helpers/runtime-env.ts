/**
 * An in-process runtime on the emulator platform for tests of the streaming rooms: the real emulator service,
 * image service (a synthetic image imported), IO keeper and keeper client — wired as src/daemon/wire.ts does —
 * plus a streaming service that records the sessions the runtime registers, so a test can call start()/connect()
 * as the streaming server would when its client arrives.
 */
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmulatorPlatform, type EmulatorPlatform } from '../../src/platform/emulator/index.js';
import { stopEmulatorService } from '../../src/platform/emulator/service-stop.js';
import { ImageService } from '../../src/images/service.js';
import { runKeeper, type KeeperHandle } from '../../src/container-io/keeper.js';
import { KeeperClient, type KeeperClientOptions } from '../../src/container-io/keeper-client.js';
import { imageProvider, keeperPort } from '../../src/daemon/wire.js';
import { Runtime } from '../../src/runtime/runtime.js';
import type { RuntimeOptions } from '../../src/runtime/state.js';
import type { ComputeService, StorageService } from '../../src/platform/types.js';
import type { ContainerConfig, SandboxConfig } from '../../src/runtime/model.js';
import type { IoKeeper } from '../../src/runtime/ports.js';
import type { PortForwardSession, RemoteCommandSession, StreamSession, StreamingService } from '../../src/streaming/types.js';
import type { Logger } from '../../src/util/log.js';
import { buildWindowsImage } from './image-builder.js';

export const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

/** Records registered sessions under URLs of the shape the real server hands out. */
export class RecordingStreaming implements StreamingService {
  readonly sessions = new Map<string, StreamSession>();
  private n = 0;
  register(session: StreamSession): string {
    const url = `http://127.0.0.1:1/${session.kind}/tok${++this.n}`;
    this.sessions.set(url, session);
    return url;
  }
  take(url: string, kind: 'exec' | 'attach'): RemoteCommandSession;
  take(url: string, kind: 'portforward'): PortForwardSession;
  take(url: string, kind: StreamSession['kind']): StreamSession {
    const s = this.sessions.get(url);
    if (!s || s.kind !== kind) throw new Error(`no ${kind} session at ${url}`);
    this.sessions.delete(url);
    return s;
  }
}

export interface RuntimeEnv {
  dir: string;
  runtime: Runtime;
  platform: EmulatorPlatform;
  keeper: KeeperClient;
  streaming: RecordingStreaming;
  imageId: string;
  logDir: string;
  /** Closes the IO keeper and starts another on its socket and state (the runtime's client reconnects to it). */
  restartKeeper(): Promise<void>;
  close(): Promise<void>;
}

export interface RuntimeEnvOptions {
  streaming?: boolean;
  /** The image's layer tars (default: one layer with app/hello.txt). */
  rawLayers?: Buffer[];
  runtimeHandlers?: RuntimeOptions['runtimeHandlers'];
  /** Stands between the runtime and the emulator's compute and storage services (to record or fail calls). */
  wrap?: (compute: ComputeService, storage: StorageService) => { compute: ComputeService; storage: StorageService };
  /** Stands between the runtime and the IO keeper (to hold its exit reports or fail its calls). */
  wrapKeeper?: (keeper: IoKeeper) => IoKeeper;
  /** Pod networking (default: none, pods get a namespace without an endpoint). */
  network?: RuntimeOptions['network'];
  /** Options of the runtime's keeper client (e.g. onRequest to see what goes out on its connection). */
  keeperClient?: Pick<KeeperClientOptions, 'onRequest'>;
  /** RuntimeOptions.exitReportWaitMs. */
  exitReportWaitMs?: number;
}

export async function runtimeEnv(opts: RuntimeEnvOptions = {}): Promise<RuntimeEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-rt-stream-'));
  const emuState = join(dir, 'emu');
  const logDir = join(dir, 'logs');
  mkdirSync(logDir);
  const platform = await createEmulatorPlatform({ stateDir: emuState });
  const images = await ImageService.open({ root: join(dir, 'root'), storage: platform.storage, host: platform.host });
  const tar = await buildWindowsImage({ format: 'oci', name: 'test.local/stream:1', layers: [{ 'app/hello.txt': 'hi\n' }], rawLayers: opts.rawLayers, dir });
  const [img] = await images.importArchive(tar);
  const socketPath = join(dir, 'k.sock');
  const startKeeper = (): Promise<KeeperHandle> => runKeeper({ socketPath, stateDir: join(dir, 'io'), platform, log: quiet });
  let handle = await startKeeper();
  const keeper = await KeeperClient.connect(socketPath, { log: quiet, ...opts.keeperClient });
  const streaming = new RecordingStreaming();
  const runtime = await Runtime.open({
    platform: opts.wrap ? { ...platform, ...opts.wrap(platform.compute, platform.storage) } : platform,
    images: imageProvider(images), keeper: opts.wrapKeeper ? opts.wrapKeeper(keeperPort(keeper)) : keeperPort(keeper),
    stateDir: join(dir, 'state'), scratchDir: join(dir, 'containers'), runtimeHandlers: opts.runtimeHandlers ?? {},
    maxLogLineSize: 16384, shutdownTimeoutSeconds: 5, execSyncMaxOutputBytes: 16 << 20,
    streaming: opts.streaming === false ? undefined : streaming, network: opts.network, exitReportWaitMs: opts.exitReportWaitMs,
  });
  await runtime.recover();
  return {
    dir, runtime, platform, keeper, streaming, imageId: img!.id, logDir,
    async restartKeeper() {
      await handle.close();
      handle = await startKeeper();
    },
    async close() {
      for (const c of runtime.listContainers()) await runtime.removeContainer(c.id).catch(() => undefined);
      for (const p of runtime.listPodSandbox()) await runtime.removePodSandbox(p.id).catch(() => undefined);
      await keeper.close();
      await handle.close();
      images.close();
      await platform.close();
      await stopEmulatorService(emuState, { removingStateDir: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function sandboxConfig(name: string, logDirectory: string): SandboxConfig {
  return {
    metadata: { name, uid: `uid-${name}`, namespace: 'default', attempt: 0 }, hostname: name, logDirectory,
    portMappings: [], labels: {}, annotations: {}, hostProcess: false, runAsUsername: '', credentialSpec: '',
  };
}

export function containerConfig(name: string, image: string, command: string[], extra: Partial<ContainerConfig> = {}): ContainerConfig {
  return {
    metadata: { name, attempt: 0 }, image: { image, userSpecifiedImage: image, annotations: {}, runtimeHandler: '' },
    command, args: [], workingDir: '', envs: [], mounts: [], devices: [], labels: {}, annotations: {},
    logPath: `${name}.log`, stdin: false, stdinOnce: false, tty: false,
    windows: { runAsUsername: '', credentialSpec: '', hostProcess: false },
    ...extra,
  };
}

/** Starts a pod with one running container; returns their ids. */
export async function runContainer(env: RuntimeEnv, name: string, command: string[], extra: Partial<ContainerConfig> = {}): Promise<{ podId: string; id: string }> {
  const podId = await env.runtime.runPodSandbox(sandboxConfig(`pod-${name}`, env.logDir), '');
  const id = await env.runtime.createContainer(podId, containerConfig(name, env.imageId, command, extra));
  await env.runtime.startContainer(id);
  return { podId, id };
}

/** The state of compute system `id` as the platform reports it, or 'gone' when it cannot be opened. */
export async function systemState(env: RuntimeEnv, id: string): Promise<string> {
  try {
    const s = await env.platform.compute.openComputeSystem(id);
    try { return (await s.getProperties()).State ?? 'unknown'; } finally { s.close(); }
  } catch { return 'gone'; }
}
