/**
 * A start whose process creation answers after the platform call's deadline: the keeper has already failed the
 * start, so the late creation must not write a record of the process (a next keeper would adopt it as running).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runKeeper } from '../../../src/container-io/keeper.js';
import { KeeperClient } from '../../../src/container-io/keeper-client.js';
import { platformWithDeadlines } from '../../../src/daemon/platform-deadline.js';
import type { ComputeProcess, ComputeSystem, CreateProcessOptions } from '../../../src/platform/types.js';
import type { ProcessParametersDoc } from '../../../src/platform/hcs/schema/index.js';
import { quiet } from '../../helpers/keeper-world.js';
import { fakePlatform } from './fake-platform.js';

test('a process created after its start was abandoned is refused at onCreated: no record, nothing listed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-keeper-late-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'logs'));
  const { platform, compute } = fakePlatform();
  compute.addSystem('sys1');
  compute.announcesPid = true;
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  let late: Promise<ComputeProcess> | undefined;
  const open = compute.openComputeSystem.bind(compute);
  compute.openComputeSystem = async (id: string): Promise<ComputeSystem> => {
    const s = await open(id);
    const create = s.createProcess.bind(s);
    // The creation waits until the test saw the start fail (its deadline passed), then creates the process.
    return { ...s, createProcess: (p: ProcessParametersDoc, o?: CreateProcessOptions) => (late = gate.then(() => create(p, o))) };
  };
  const stateDir = join(dir, 'state');
  const k = await runKeeper({ socketPath: join(dir, 'k.sock'), stateDir, platform: platformWithDeadlines(platform, 100), log: quiet });
  const c = await KeeperClient.connect(join(dir, 'k.sock'), { log: quiet });
  t.after(async () => { await c.close(); await k.close(); });

  const failed = await c.start({ containerId: 'c1', systemId: 'sys1', logPath: join(dir, 'logs', 'c1.log'),
    process: { CommandLine: 'app.exe', CreateStdOutPipe: true, CreateStdErrPipe: true } }).then(() => undefined, (e: Error) => e);
  assert.match(String(failed?.message), /no answer from the platform/);
  assert.ok(late, 'the creation was asked for');
  release();
  const outcome = await late.then(() => 'created', (e: Error) => e.message);
  assert.match(outcome, /start of container c1 was abandoned/);
  assert.equal(existsSync(join(stateDir, 'containers', 'c1.json')), false, 'no record of the late process');
  assert.deepEqual(await c.list(), []);
});
