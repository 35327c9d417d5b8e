/**
 * Handles a dropped connection held are released with a grace (process-forget.ts releaseDropped): the client may
 * be alive and reconnecting (its re-open was dropped as stalled, client.ts), so an exited exec it holds must still
 * be there, exit code and all, when it re-opens; only after the grace does one nobody re-opened go.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setup, containerDoc, until, withForgetGrace } from './helpers.js';
import { EmulatorClient } from '../../../../src/platform/emulator/client.js';

test('an exited exec whose only handle was on a dropped connection is still found by a re-open within the grace', { timeout: 60_000 }, async (t) => {
  withForgetGrace(t, 3000);
  const env = await setup();
  t.after(() => env.cleanup());
  const stateDir = join(env.dir, 'state');
  const s = await env.platform.compute.createComputeSystem('dropped', containerDoc());
  await s.start();
  const init = await s.createProcess({ CommandLine: 'sleep 300' });
  const exec = await s.createProcess({ CommandLine: 'sh -c "exit 42"' });
  assert.equal((await exec.waitExit()).ExitCode, 42);
  // A second connection opens it; the first handle closes: that connection holds the only one.
  const dropping = new EmulatorClient({ stateDir, spawnService: false });
  await dropping.request('openProcess', { id: 'dropped', pid: exec.pid });
  exec.close();
  await env.platform.servicePid(); // the close above is handled (answers come in order on a connection)
  dropping.close();
  // The client reconnects and re-opens its handle: the exited exec and its exit code are still there.
  const again = new EmulatorClient({ stateDir, spawnService: false });
  t.after(() => again.close());
  await again.request('openProcess', { id: 'dropped', pid: exec.pid });
  const props = await again.request<{ Exited?: boolean; ExitCode?: number }>('processProperties', { id: 'dropped', pid: exec.pid });
  assert.equal(props.Exited, true);
  assert.equal(props.ExitCode, 42);
  // Once nobody holds it and the grace is over, it goes.
  await again.request('closeProcess', { id: 'dropped', pid: exec.pid });
  await until(async () => {
    try { await again.request('processProperties', { id: 'dropped', pid: exec.pid }); return false; } catch { return true; }
  }, 15_000);
  init.close();
  await s.terminate();
});
