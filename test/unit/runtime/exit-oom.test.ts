/**
 * ContainerStatus's reason OOMKilled survives the compute system: an exit the IO keeper reports with oomKilled (it
 * read the OOM count at the exit) is recorded OOMKilled although the system is gone by then (a system the keeper
 * shut down disappears with the handle of a keeper restarted before the ack); without the flag (a keeper from before
 * it) the runtime's own query decides, as before. handleExit on a runtime whose compute service has no such system.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuntimeState, type StoredContainer, type RuntimeOptions } from '../../../src/runtime/state.js';
import { RecordStore } from '../../../src/runtime/store.js';
import { handleExit } from '../../../src/runtime/exits.js';
import type { SandboxRecord } from '../../../src/runtime/model.js';
import { PlatformError, HRESULT } from '../../../src/platform/hresult.js';

async function runtimeWithoutSystem(t: { after(fn: () => void): void }): Promise<RuntimeState> {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-exit-oom-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const gone = async (): Promise<never> => { throw new PlatformError(HRESULT.HCS_E_SYSTEM_NOT_FOUND, 'HcsOpenComputeSystem'); };
  const opts = {
    platform: { compute: { openComputeSystem: gone }, jobs: { openComputeSystem: gone } },
    keeper: { ack: async () => undefined, forget: async () => undefined },
    shutdownTimeoutSeconds: 1,
  } as unknown as RuntimeOptions;
  const st = new RuntimeState(opts, await RecordStore.open<SandboxRecord>(join(dir, 's')), await RecordStore.open<StoredContainer>(join(dir, 'c')));
  await st.containers.save({ id: 'c1', sandboxId: 'p1', state: 'CONTAINER_RUNNING', spec: { windows: {} } } as unknown as StoredContainer);
  return st;
}

const report = { containerId: 'c1', pid: 4, exitCode: 137, exitedAt: '1765000000000000000' };

test('an exit reported oomKilled, its system gone: reason OOMKilled', async (t) => {
  const st = await runtimeWithoutSystem(t);
  await handleExit(st, { ...report, oomKilled: true });
  const c = st.containers.get('c1')!;
  assert.equal(c.state, 'CONTAINER_EXITED');
  assert.equal(c.reason, 'OOMKilled');
  assert.equal(c.exitCode, 137);
});

test('an exit without oomKilled, its system gone: reason Error (nothing says OOM)', async (t) => {
  const st = await runtimeWithoutSystem(t);
  await handleExit(st, report);
  assert.equal(st.containers.get('c1')!.reason, 'Error');
});
