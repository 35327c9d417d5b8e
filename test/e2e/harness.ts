/**
 * End-to-end harness: starts the real `wincri serve` process on a temp socket and talks to it with a real gRPC
 * client generated from api/api.proto.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadCri } from '../../src/cri/proto.js';
import { writeFakePlugin } from '../helpers/fake-cni.js';
import { waitFor } from '../helpers/wait-for.js';

export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

type Callable = (req: unknown, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r: unknown) => void) => void;

/** Promisified unary call: `await call(client, 'Version', {})`. */
export function call<R = any>(client: grpc.Client, method: string, req: unknown, timeoutMs = 60_000): Promise<R> {
  return new Promise((resolve, reject) => {
    const fn = (client as unknown as Record<string, Callable>)[method];
    if (!fn) return reject(new Error(`no method ${method}`));
    fn.call(client, req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (e, r) => (e ? reject(e) : resolve(r as R)));
  });
}

export async function expectCode(p: Promise<unknown>, code: grpc.status): Promise<grpc.ServiceError> {
  try {
    await p;
  } catch (e) {
    const err = e as grpc.ServiceError;
    if (err.code !== code) throw new Error(`expected ${grpc.status[code]}, got ${grpc.status[err.code]}: ${err.details}`);
    return err;
  }
  throw new Error(`expected ${grpc.status[code]}, but the call succeeded`);
}

export class Daemon {
  readonly dir: string;
  readonly root: string;
  readonly socket: string;
  readonly endpoint: string;
  readonly logFile: string;
  proc?: ChildProcess;
  runtime!: grpc.Client;
  image!: grpc.Client;

  readonly configFile: string;
  readonly cniConfDir: string;
  readonly cniBinDir: string;
  /** Command prefix the daemon runs under (e.g. `nsenter --net=/run/netns/X --`: a daemon inside a network namespace). */
  readonly launcher: string[];
  /** Start the daemon in a session of its own (setsid; the bench: bench/lib/session.ts). */
  readonly ownSession: boolean;

  /**
   * `network`: 'fake' (default) writes a CNI configuration using a fake plugin (test/helpers/fake-cni.ts) that
   * hands out addresses without building any networking, so Status reports NetworkReady; `conf` writes the given
   * configuration instead; 'none' writes no configuration (the daemon's built-in default network then applies).
   */
  constructor(name = 'wincri-e2e', opts: { network?: 'fake' | 'none' | { conf: Record<string, unknown>; file?: string }; cniBinDirs?: string[]; launcher?: string[]; ownSession?: boolean } = {}) {
    this.launcher = opts.launcher ?? [];
    this.ownSession = opts.ownSession ?? false;
    this.dir = mkdtempSync(join(tmpdir(), `${name}-`));
    this.root = join(this.dir, 'root');
    this.socket = join(this.dir, 'wincri.sock');
    this.endpoint = `unix://${this.socket}`;
    this.logFile = join(this.dir, 'daemon.log');
    mkdirSync(join(this.dir, 'logs'), { recursive: true });
    this.cniConfDir = join(this.root, 'cni', 'conf');
    this.cniBinDir = join(this.dir, 'cni-bin');
    mkdirSync(this.cniConfDir, { recursive: true });
    writeFakePlugin(this.cniBinDir, 'fake-net');
    const network = opts.network ?? 'fake';
    if (network === 'fake') {
      this.writeCniConf('10-fake.conflist', {
        cniVersion: '1.0.0', name: 'fake', plugins: [{ type: 'fake-net', log: join(this.dir, 'cni-calls.log'), capabilities: { portMappings: true, dns: true } }],
      });
    } else if (network !== 'none') {
      this.writeCniConf(network.file ?? '10-test.conflist', network.conf);
    }
    this.configFile = join(this.dir, 'wincri.yaml');
    const binDirs = [this.cniBinDir, ...(opts.cniBinDirs ?? [])];
    writeFileSync(this.configFile, `metrics:
  address: "127.0.0.1:0"
cni:
  binDirs:
${binDirs.map((d) => `    - ${JSON.stringify(d)}
`).join('')}  timeoutSeconds: 30
`);
  }

  get logDir(): string { return join(this.dir, 'logs'); }

  /** Polls `fn` until it returns something truthy; on timeout the error carries the daemon's log. */
  async waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms: number): Promise<T> {
    return await waitFor(what, fn, { timeoutMs: ms, intervalMs: 50, detail: () => this.log() }) as T;
  }

  /** Everything the daemon, its IO keeper and the emulator service logged, whole. */
  fullLog(): string {
    return [this.logFile, join(this.root, 'io', 'keeper.log'), join(this.root, 'io', 'keeper.out'), join(this.root, 'emulator', 'service.log')]
      .map((f) => { try { return readFileSync(f, 'utf8'); } catch { return ''; } }).join('');
  }

  /** Base URL of the metrics endpoint (the config binds an ephemeral loopback port; the daemon logs the one it got). */
  metricsUrl(): string {
    const m = /serving metrics.*?(127\.0\.0\.1:\d+)/.exec(readFileSync(this.logFile, "utf8"));
    if (!m) throw new Error(`the daemon logged no metrics address:\n${this.log()}`);
    return `http://${m[1]}`;
  }

  writeCniConf(file: string, conf: Record<string, unknown>): void {
    writeFileSync(join(this.cniConfDir, file), JSON.stringify(conf, null, 1));
  }

  /** Calls the fake plugin received (one JSON object per call). */
  cniCalls(): { cmd: string; env: Record<string, string>; conf: Record<string, any> }[] {
    try { return readFileSync(join(this.dir, 'cni-calls.log'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)); } catch { return []; }
  }

  /** Start and wait until Status reports RuntimeReady (and NetworkReady unless `waitNetwork` is false); up to 60 s (a
   * loaded 2-core host took over 30 s for an overlay node's NetworkReady: its agent has to program the node first). */
  async start(extraArgs: string[] = [], waitNetwork = true): Promise<void> {
    this.spawn(extraArgs);
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (this.proc!.exitCode !== null) throw new Error(`daemon exited with ${this.proc!.exitCode}:\n${this.log()}`);
      try {
        const st = await call(this.runtime, 'Status', {}, 2000);
        // The two conditions kubelet requires; platform conditions (e.g. EmulatorNetworking) are for the operator.
        const cond = (t: string) => st.status.conditions.find((c: { type: string; status: boolean }) => c.type === t)?.status === true;
        if (cond('RuntimeReady') && (cond('NetworkReady') || !waitNetwork)) return;
      } catch { /* not up yet */ }
      if (Date.now() > deadline) throw new Error(`daemon did not become ready:\n${this.log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Spawns `wincri serve` and makes the clients, without waiting for anything. */
  spawn(extraArgs: string[] = []): void {
    const out = openSync(this.logFile, 'a');
    const [cmd, ...pre] = [...this.launcher, process.execPath];
    this.proc = spawn(cmd!, [...pre, CLI, 'serve', '--config', this.configFile, '--root', this.root, '--endpoint', this.endpoint, ...extraArgs], {
      stdio: ['ignore', out, out], env: { ...process.env, WINCRI_LOG_LEVEL: 'debug' }, detached: this.ownSession,
    });
    closeSync(out);
    const cri = loadCri();
    // A local subchannel pool: a previous daemon's failed connection (and its reconnect back-off) is not shared.
    const opts = { 'grpc.use_local_subchannel_pool': 1 };
    this.runtime = new cri.runtime.v1.RuntimeService(`unix:${this.socket}`, grpc.credentials.createInsecure(), opts) as unknown as grpc.Client;
    this.image = new cri.runtime.v1.ImageService(`unix:${this.socket}`, grpc.credentials.createInsecure(), opts) as unknown as grpc.Client;
  }

  log(): string {
    try { return readFileSync(this.logFile, 'utf8').split('\n').slice(-80).join('\n'); } catch { return ''; }
  }

  /** kill -9 of the daemon process only. */
  async kill9(): Promise<void> {
    this.close();
    // A daemon that already died (of a signal: exitCode stays null) would never emit 'exit' again: say so.
    if (this.proc && this.proc.signalCode !== null) throw new Error(`the daemon had already died of ${this.proc.signalCode}:\n${this.log()}`);
    if (this.proc && this.proc.exitCode === null) {
      const exited = new Promise((r) => this.proc!.once('exit', r));
      this.proc.kill('SIGKILL');
      await exited;
    }
  }

  async stop(): Promise<void> {
    this.close();
    if (this.proc && this.proc.exitCode === null) {
      const exited = new Promise((r) => this.proc!.once('exit', r));
      this.proc.kill('SIGTERM');
      await exited;
    }
  }

  private close(): void {
    this.runtime?.close();
    this.image?.close();
  }

  importImage(tar: string): string {
    return execFileSync(process.execPath, [CLI, 'images', 'import', '--endpoint', this.endpoint, tar], { encoding: 'utf8' });
  }

  /** Stops the daemon, the IO keeper and the emulator service, and removes all state. */
  async destroy(): Promise<void> {
    await this.stop().catch(() => undefined);
    for (const pidFile of [join(this.root, 'io', 'keeper.pid')]) {
      if (existsSync(pidFile)) {
        try { process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL'); } catch { /* gone */ }
      }
    }
    const { stopEmulatorService } = await import('../../src/platform/emulator/service-stop.js');
    await stopEmulatorService(join(this.root, 'emulator'), { removingStateDir: true }).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function podConfig(name: string, logDir: string, extra: Record<string, unknown> = {}) {
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}`, attempt: 0 },
    hostname: name,
    logDirectory: logDir,
    labels: { app: name, 'io.kubernetes.pod.name': name },
    annotations: { 'kubernetes.io/config.source': 'api' },
    linux: { securityContext: { namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
    ...extra,
  };
}
