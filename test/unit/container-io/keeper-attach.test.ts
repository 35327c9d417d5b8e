/**
 * The keeper's attach protocol on the emulator: a slow attacher is dropped with a reason while the log and a
 * reading attacher get every byte; detaching leaves no keeper session; a container without stdio cannot be attached.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { keeperOnEmulator, runningSystem } from '../../helpers/keeper-world.js';
import { join } from 'node:path';
import { isKeeperError, type ExitEvent } from '../../../src/container-io/protocol.js';
import { waitFor } from '../../helpers/wait-for.js';

test('keeper attach: a slow attacher is dropped, the log and a reading attacher get everything, nothing is left', async (t) => {
  const w = await keeperOnEmulator(t, 'wincri-keeper-attach-');
  const { platform, client, dir } = w;
  await runningSystem(platform, 'big');
  const exits: ExitEvent[] = [];
  await client.onExit((e) => exits.push(e));
  const logPath = join(dir, 'logs', 'big.log');
  // Waits for a line on stdin, then writes 32 MiB in 64-byte lines, then exits 9.
  await client.start({
    containerId: 'big', systemId: 'big', logPath, stdinOnce: false,
    process: { CommandLine: 'sh -c "read go; yes 0123456789012345678901234567890123456789012345678901234567890 | head -c 33554432; exit 9"',
      CreateStdInPipe: true, CreateStdOutPipe: true, CreateStdErrPipe: true },
  });
  await assert.rejects(client.attachContainer({ containerId: 'nope', stdin: false, stdout: true, stderr: false }), (e) => isKeeperError(e, 'NotFound'));
  const slow = await client.attachContainer({ containerId: 'big', stdin: false, stdout: true, stderr: false });
  const fast = await client.attachContainer({ containerId: 'big', stdin: true, stdout: true, stderr: true });
  const idle = await client.attachContainer({ containerId: 'big', stdin: false, stdout: true, stderr: false });
  await waitFor('three attachers', async () => (await client.list()).find((a) => a.containerId === 'big')?.attachers === 3, { timeoutMs: 60_000 });
  await idle.close(); // detach
  await waitFor('the detached one gone', async () => (await client.list()).find((a) => a.containerId === 'big')?.attachers === 2, { timeoutMs: 60_000 });
  // `slow` never reads its stdout: its socket fills up and the keeper drops it.
  const hash = createHash('sha256');
  let got = 0;
  fast.stdout!.on('data', (d: Buffer) => { hash.update(d); got += d.length; });
  fast.stdin!.write('go\n');
  await assert.rejects(slow.exited, /did not read its output fast enough/);
  assert.deepEqual(await fast.exited, { exitCode: 9 });
  await waitFor('the exit event', () => exits.length === 1, { timeoutMs: 60_000 });
  assert.equal(exits[0]!.exitCode, 9);
  assert.equal(got, 32 * 1024 * 1024);
  const line = '0123456789012345678901234567890123456789012345678901234567890\n';
  const expected = createHash('sha256').update(line.repeat(33554432 / line.length)).update(line.slice(0, 33554432 % line.length)).digest('hex');
  assert.equal(hash.digest('hex'), expected, 'the reading attacher got every byte in order');
  const logged = readFileSync(logPath, 'utf8').split('\n').filter((l) => l.includes(' stdout ')).length;
  assert.equal(logged, Math.ceil(33554432 / line.length), 'every line reached the log');
  await slow.close();
  await fast.close();
  const info = (await client.list()).find((a) => a.containerId === 'big');
  assert.equal(info?.attachers, undefined, 'no attach session is left in the keeper');
  await assert.rejects(client.attachContainer({ containerId: 'big', stdin: false, stdout: true, stderr: false }), (e) => isKeeperError(e, 'FailedPrecondition'));
});
