/**
 * A spooled stdin closed before any byte (`exec -i … </dev/null`) is still the program's end of file: the feed
 * (stdin-feed-source.ts) finds no segment, only the `.eof` record naming offset 0, and ends the program's stdin.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, containerDoc, readAll } from './helpers.js';
import { isolationFacts } from '../../../../src/platform/emulator/service/isolation.js';

const facts = isolationFacts();
const skip = facts.Enabled ? false : `no isolation here: ${facts.Reason}`;

test('stdin spool: a stdin ended without any data ends the program\'s input (pipe and console)', { skip, timeout: 30_000 }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const s = await env.platform.compute.createComputeSystem('empty', containerDoc());
  await s.start();
  const pr = await s.createProcess({ CommandLine: 'sh -c "cat; echo end"', CreateStdInPipe: true, CreateStdOutPipe: true });
  const out = readAll(pr.stdio.stdout);
  await new Promise<void>((res) => pr.stdio.stdin!.end(res));
  assert.equal((await pr.waitExit()).ExitCode, 0);
  assert.equal(await out, 'end\n');
  const tty = await s.createProcess({ CommandLine: 'sh -c "cat; echo end"', CreateStdInPipe: true, CreateStdOutPipe: true, EmulateConsole: true });
  const ttyOut = readAll(tty.stdio.stdout);
  await new Promise<void>((res) => tty.stdio.stdin!.end(res));
  assert.equal((await tty.waitExit()).ExitCode, 0);
  assert.match(await ttyOut, /end/);
  await s.terminate();
});
