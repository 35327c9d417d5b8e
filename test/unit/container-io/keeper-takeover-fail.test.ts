/**
 * A restarted IO keeper whose takeover of a running container fails (here: reopening its output throws) reports
 * the container's exit as lost (code unknown) instead of leaving it running with nothing watching it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runKeeper, type KeeperHandle } from '../../../src/container-io/keeper.js';
import { KeeperClient } from '../../../src/container-io/keeper-client.js';
import { UNKNOWN_EXIT_CODE } from '../../../src/container-io/keeper-context.js';
import type { ExitEvent } from '../../../src/container-io/protocol.js';
import type { ComputeSystem } from '../../../src/platform/types.js';
import type { Logger } from '../../../src/util/log.js';
import { fakePlatform } from './fake-platform.js';
import { waitFor } from '../../helpers/wait-for.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

test('a takeover that fails reports the running container\'s exit as lost', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-keeper-takeover-fail-'));
  mkdirSync(join(dir, 'logs'));
  const { platform, compute } = fakePlatform();
  compute.addSystem('sys1');
  const keepers: KeeperHandle[] = [];
  const clients: KeeperClient[] = [];
  const keeper = async (): Promise<KeeperHandle> => {
    const k = await runKeeper({ socketPath: join(dir, 'k.sock'), stateDir: join(dir, 'state'), platform, log: quiet, recoveryRetryMs: 50 });
    keepers.push(k);
    return k;
  };
  const client = async (): Promise<KeeperClient> => {
    const c = await KeeperClient.connect(join(dir, 'k.sock'), { log: quiet });
    clients.push(c);
    return c;
  };
  t.after(async () => {
    for (const c of clients) await c.close();
    for (const k of keepers) await k.close();
    for (const p of compute.created) { p.exit(0); p.endOutput(); }
    rmSync(dir, { recursive: true, force: true });
  });

  const k1 = await keeper();
  const c1 = await client();
  await c1.start({
    containerId: 'c1', systemId: 'sys1', logPath: join(dir, 'logs', 'c1.log'),
    process: { CommandLine: 'cmd /c app.exe', CreateStdOutPipe: true, CreateStdErrPipe: true },
  });
  const proc = await compute.processAt(0);
  await c1.close();
  await k1.close(); // the container runs on

  // The next keeper opens the process, but taking its output back throws.
  const open = compute.openComputeSystem.bind(compute);
  compute.openComputeSystem = async (id: string): Promise<ComputeSystem> => {
    const sys = await open(id);
    return {
      ...sys,
      openProcess: async (pid: number) => ({ ...(await sys.openProcess(pid)), reopenOutput: () => { throw new Error('injected: reopen failed'); } }),
    };
  };
  await keeper();
  const c2 = await client();
  const exits: ExitEvent[] = [];
  await c2.onExit((ev) => exits.push(ev));
  // A bound on the wait, not a timing assertion: without the loss report no exit ever comes.
  await waitFor('the lost exit', () => exits.length > 0, { timeoutMs: 10_000, intervalMs: 10 });
  assert.equal(proc.exitStatus, undefined, 'the process itself was not ended by the keeper');
  assert.equal(exits[0]!.containerId, 'c1');
  assert.equal(exits[0]!.exitCode, UNKNOWN_EXIT_CODE);
  const [info] = await c2.list();
  assert.equal(info!.exited?.lost, true, 'recorded as lost');
});
