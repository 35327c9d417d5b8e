/**
 * An IO keeper on the fake platform (./fake-platform.ts) in a temporary directory, compute system `sys1` created:
 * the keepers and clients a test starts through it are closed after the test, every fake process is released (so
 * nothing keeps the event loop busy) and the directory is removed.
 */
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runKeeper, type KeeperHandle } from '../../../src/container-io/keeper.js';
import { KeeperClient } from '../../../src/container-io/keeper-client.js';
import type { ExitEvent } from '../../../src/container-io/protocol.js';
import type { Platform } from '../../../src/platform/types.js';
import type { Logger } from '../../../src/util/log.js';
import { quiet } from '../../helpers/keeper-world.js';
import { fakePlatform, type FakeCompute } from './fake-platform.js';

export interface KeeperEnv {
  dir: string;
  socketPath: string;
  stateDir: string;
  /** An empty directory for container logs. */
  logDir: string;
  platform: Platform;
  compute: FakeCompute;
  /** A keeper on `socketPath` and `stateDir`. */
  startKeeper(): Promise<KeeperHandle>;
  client(opts?: Parameters<typeof KeeperClient.connect>[1]): Promise<KeeperClient>;
  /** Closes the keepers started so far (their containers run on, as when a keeper exits). */
  closeKeepers(): Promise<void>;
}

export interface KeeperEnvOptions {
  /** The directory's name prefix. */
  prefix?: string;
  /** The keeper's drainTimeoutMs (its default when not given). */
  drainTimeoutMs?: number;
  /** The keeper's recoveryRetryMs: 50 unless given. */
  recoveryRetryMs?: number;
  /** The keeper's recoveryGiveUpMs (its default when not given). */
  recoveryGiveUpMs?: number;
  /** The keepers' logger: quiet unless given. */
  log?: Logger;
  /** Stands between the keepers and the fake platform (e.g. the daemon's per-call deadlines). */
  wrapPlatform?: (p: Platform) => Platform;
}

export function keeperEnv(t: { after(fn: () => Promise<void> | void): void }, opts: KeeperEnvOptions = {}): KeeperEnv {
  const dir = mkdtempSync(join(tmpdir(), opts.prefix ?? 'wincri-keeper-'));
  const { platform, compute } = fakePlatform();
  compute.addSystem('sys1');
  const logDir = join(dir, 'logs');
  mkdirSync(logDir);
  const keepers: KeeperHandle[] = [];
  const clients: KeeperClient[] = [];
  const e: KeeperEnv = {
    dir, socketPath: join(dir, 'keeper.sock'), stateDir: join(dir, 'state'), logDir, platform, compute,
    async startKeeper() {
      const k = await runKeeper({ socketPath: e.socketPath, stateDir: e.stateDir, platform: opts.wrapPlatform?.(platform) ?? platform, log: opts.log ?? quiet,
        drainTimeoutMs: opts.drainTimeoutMs, recoveryRetryMs: opts.recoveryRetryMs ?? 50, recoveryGiveUpMs: opts.recoveryGiveUpMs });
      keepers.push(k);
      return k;
    },
    async client(clientOpts) {
      const c = await KeeperClient.connect(e.socketPath, { log: quiet, ...clientOpts });
      clients.push(c);
      return c;
    },
    async closeKeepers() { for (const k of keepers.splice(0)) await k.close(); },
  };
  t.after(async () => {
    for (const c of clients) await c.close();
    for (const k of keepers) await k.close();
    for (const p of compute.created) { p.exit(0); p.endOutput(); }
    rmSync(dir, { recursive: true, force: true });
  });
  return e;
}

/** The exit events `c` receives from now on, as they come. */
export async function exitEvents(c: KeeperClient): Promise<ExitEvent[]> {
  const out: ExitEvent[] = [];
  await c.onExit((ev) => out.push(ev));
  return out;
}

/** A keeper started in `e`, a client subscribed to exits, and `id`'s init started in sys1 with stdout and stderr pipes. */
export async function startedInit(e: KeeperEnv, id: string) {
  await e.startKeeper();
  const c = await e.client();
  const events = await exitEvents(c);
  await c.start({ containerId: id, systemId: 'sys1', logPath: join(e.logDir, `${id}.log`),
    process: { CommandLine: 'app.exe', CreateStdOutPipe: true, CreateStdErrPipe: true } });
  return { e, c, events, proc: e.compute.created[0]! };
}
