/**
 * ExecSync with a timeout past setTimeout's longest delay (2^31-1 ms, ~24.8 days): the command runs to its own end
 * and is not killed at once (Node runs a longer setTimeout after 1 ms).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execSync } from '../../../src/runtime/exec-sync.js';
import type { RuntimeState } from '../../../src/runtime/state.js';

const turns = async () => { for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r)); };

test('ExecSync with a timeout of 30 days runs the command to its end instead of killing it at once', async () => {
  let endProcess!: () => void;
  const exit = new Promise<{ ExitCode: number }>((r) => { endProcess = () => r({ ExitCode: 0 }); });
  let terminated = 0;
  const proc = {
    stdio: {}, waitExit: () => exit, close: () => undefined,
    terminate: async () => { terminated++; endProcess(); },
  };
  const system = { createProcess: async () => proc, close: () => undefined };
  const c = { id: 'c1', state: 'CONTAINER_RUNNING', spec: { process: { args: ['x'], env: [], cwd: 'C:\\' }, windows: {} } };
  const st = {
    index: { mustResolve: (id: string) => id },
    mustContainer: () => c,
    opts: { execSyncMaxOutputBytes: 1024, platform: { compute: { openComputeSystem: async () => system } } },
  } as unknown as RuntimeState;

  let outcome: string | undefined;
  const run = execSync(st, 'c1', ['probe'], 30 * 24 * 3600);
  void run.then(() => { outcome = 'answered'; }, (e: Error) => { outcome = e.message; });
  await turns(); // the timeout is armed by now
  assert.equal(outcome, undefined, 'ExecSync runs the command');
  // A timer armed after the timeout's runs after it when that one was cut to 1 ms: by then the old code had killed it.
  await new Promise((r) => setTimeout(r, 20));
  await turns();
  assert.equal(terminated, 0, 'the command was not killed');
  assert.equal(outcome, undefined, 'ExecSync still waits for the command');
  endProcess();
  const res = await run;
  assert.equal(res.exitCode, 0);
  assert.equal(terminated, 0);
});
