/**
 * A restarted IO keeper takes over the output of a container that kept running (emulator: the output waits in
 * the pipe while no keeper runs): the CRI log continues with no line lost, and the exit is reported.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runKeeper } from '../../../src/container-io/keeper.js';
import { KeeperClient } from '../../../src/container-io/keeper-client.js';
import type { ExitEvent } from '../../../src/container-io/protocol.js';
import { emulatorWorld, quiet, runningSystem } from '../../helpers/keeper-world.js';
import { waitFor } from '../../helpers/wait-for.js';

const numbers = (path: string) => { try { return readFileSync(path, 'utf8').split('\n').flatMap((l) => /stdout F n(\d+)$/.exec(l)?.[1] ?? []).map(Number); } catch { return []; } };
test('a restarted keeper pumps a running container\'s output into its log: no line lost', async (t) => {
  const { dir, logDir, sock, platform } = await emulatorWorld(t, 'wincri-keeper-takeover-');
  const logPath = join(logDir, '0.log');
  await runningSystem(platform, 'ctr1');

  const k1 = await runKeeper({ socketPath: sock, stateDir: join(dir, 'io'), platform, log: quiet });
  const c1 = await KeeperClient.connect(sock, { log: quiet });
  await c1.start({
    containerId: 'ctr1', systemId: 'ctr1', logPath,
    process: { CommandLine: 'sh -c "i=0; while [ $i -lt 60 ]; do i=$((i+1)); echo n$i; sleep 0.05; done"', CreateStdOutPipe: true, CreateStdErrPipe: true },
  });
  await waitFor('the first lines', () => numbers(logPath).length >= 5, { timeoutMs: 20_000 });
  await c1.close();
  await k1.close(); // the container keeps running and writing into its pipe
  const before = numbers(logPath).length;
  await new Promise((r) => setTimeout(r, 300));

  const k2 = await runKeeper({ socketPath: sock, stateDir: join(dir, 'io'), platform, log: quiet });
  const c2 = await KeeperClient.connect(sock, { log: quiet });
  t.after(async () => { await c2.close(); await k2.close(); });
  const exits: ExitEvent[] = [];
  await c2.onExit((e) => exits.push(e));
  await waitFor('the exit', () => exits.length > 0, { timeoutMs: 20_000 });
  const got = numbers(logPath);
  assert.ok(before < 60, `the keeper restarted while the container ran (${before} lines before)`);
  assert.deepEqual(got, Array.from({ length: 60 }, (_, i) => i + 1), 'every line once, in order');
  assert.equal(exits[0]!.exitCode, 0);
});
