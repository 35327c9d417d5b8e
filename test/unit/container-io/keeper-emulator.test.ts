/**
 * The IO keeper on the Linux emulator of the compute service: real processes, real pipes (relayed by the
 * emulator service), real CRI log file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { keeperOnEmulator, runningSystem } from '../../helpers/keeper-world.js';
import { join } from 'node:path';
import type { ExitEvent } from '../../../src/container-io/protocol.js';


test('keeper on the emulator: a real process logs through the keeper and its exit is reported after drain', async (t) => {
  const w = await keeperOnEmulator(t, 'wincri-keeper-emu-');
  const { platform, client, logDir } = w;
  await runningSystem(platform, 'ctr1');

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
