/**
 * System handles a dropped connection held are released with a grace (system-grace.ts), as process handles are
 * (dropped-grace.test.ts): a client that reconnects and re-opens a system that stopped before or while its
 * connection was away still finds it, state and exit type; one nobody re-opened goes once the grace is over.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setup, containerDoc, until, withForgetGrace } from './helpers.js';
import { EmulatorClient } from '../../../../src/platform/emulator/client.js';

type Props = { State?: string; Stopped?: boolean; ExitType?: string };

test('a stopped system whose only handle was on a dropped connection is still found by a re-open within the grace', { timeout: 60_000 }, async (t) => {
  withForgetGrace(t, 3000);
  const env = await setup();
  t.after(() => env.cleanup());
  const stateDir = join(env.dir, 'state');
  const again = new EmulatorClient({ stateDir, spawnService: false });
  t.after(() => again.close());
  for (const when of ['before', 'while'] as const) {
    const id = `dsys-${when}`;
    const s = await env.platform.compute.createComputeSystem(id, containerDoc());
    await s.start();
    await s.createProcess({ CommandLine: 'sleep 300' });
    const dropping = new EmulatorClient({ stateDir, spawnService: false });
    await dropping.request('openSystem', { id });
    // Stopped before the drop: the dropped connection holds the only handle. While: the other handle closes after it.
    if (when === 'before') { await s.terminate(); s.close(); await env.platform.servicePid(); }
    dropping.close();
    if (when === 'while') { await s.terminate(); s.close(); }
    await env.platform.servicePid(); // the close above is handled (answers come in order on a connection)
    // The client reconnects and re-opens its handle: the stopped system and its exit are still there.
    await again.request('openSystem', { id });
    const props = await again.request<Props>('systemProperties', { id });
    assert.equal(props.State, 'Stopped', `${when}: ${JSON.stringify(props)}`);
    assert.equal(props.ExitType, 'ForcedExit', `${when}: ${JSON.stringify(props)}`);
    // Once nobody holds it and the grace is over, it goes (as a stopped system with no handle does in HCS).
    await again.request('closeSystem', { id });
    await until(async () => (await env.platform.compute.enumerateComputeSystems()).every((x) => x.Id !== id), 15_000);
  }
});
