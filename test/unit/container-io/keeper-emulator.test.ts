/**
 * The IO keeper on the Linux emulator of the compute service: real processes, real pipes (relayed by the
 * emulator service), real CRI log file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmulatorPlatform } from '../../../src/platform/emulator/index.js';
import { stopEmulatorService } from '../../../src/platform/emulator/service-stop.js';
import { runKeeper } from '../../../src/container-io/keeper.js';
import { KeeperClient } from '../../../src/container-io/keeper-client.js';
import type { ExitEvent } from '../../../src/container-io/protocol.js';
import type { Logger } from '../../../src/util/log.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

test('keeper on the emulator: a real process logs through the keeper and its exit is reported after drain', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-keeper-emu-'));
  const emuState = join(dir, 'emu');
  const logDir = join(dir, 'logs');
  mkdirSync(logDir);
  const platform = await createEmulatorPlatform({ stateDir: emuState });
  const keeper = await runKeeper({ socketPath: join(dir, 'k.sock'), stateDir: join(dir, 'io'), platform, log: quiet });
  const client = await KeeperClient.connect(join(dir, 'k.sock'), { log: quiet });
  t.after(async () => {
    await client.close();
    await keeper.close();
    await platform.close();
    await stopEmulatorService(emuState);
    rmSync(dir, { recursive: true, force: true });
  });

  const system = await platform.compute.createComputeSystem('ctr1', {
    Owner: 'wincri-test', SchemaVersion: { Major: 2, Minor: 1 }, Container: {},
  });
  await system.start();
  system.close();

  const events: ExitEvent[] = [];
  await client.onExit((e) => events.push(e));
  const logPath = join(logDir, '0.log');
  const { pid } = await client.start({
    containerId: 'ctr1', systemId: 'ctr1', logPath,
    process: {
      CommandLine: 'sh -c "printf \'hello World\\r\\n\'; echo to-stderr >&2; sleep 0.2; printf tail; exit 3"',
      CreateStdOutPipe: true, CreateStdErrPipe: true,
    },
  });
  assert.ok(pid > 0);
  const deadline = Date.now() + 10_000;
  while (events.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(events.length, 1, 'exit reported');
  assert.equal(events[0]!.exitCode, 3);
  assert.equal(events[0]!.pid, pid);
  const recs = readFileSync(logPath, 'utf8').trimEnd().split('\n').map((l) => l.split(' ').slice(1).join(' '));
  assert.deepEqual(recs.filter((r) => r.startsWith('stdout')), ['stdout F hello World', 'stdout P tail']);
  assert.deepEqual(recs.filter((r) => r.startsWith('stderr')), ['stderr F to-stderr']);
});
