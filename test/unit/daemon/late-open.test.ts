/**
 * A compute system or process handle the platform opens after the call's deadline (limits.platformCallTimeoutSeconds)
 * is closed: nobody else would, and a stopped system (a job container, a compute system) stays in the platform,
 * with its record, while a handle to it is open (the HostProcess fault test saw a job left after a hung openJob).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { platformWithDeadlines } from '../../../src/daemon/platform-deadline.js';
import type { Platform } from '../../../src/platform/types.js';
import { waitFor } from '../../helpers/wait-for.js';

function fakePlatform() {
  const calls: string[] = [];
  const gates = new Map<string, () => void>();
  const hang = (op: string) => new Promise<void>((r) => gates.set(op, r));
  const proc = { pid: 7, close: () => { calls.push('process close'); } };
  const system = {
    id: 's1', close: () => { calls.push('system close'); },
    openProcess: async () => { await hang('openProcess'); calls.push('process opened'); return proc; },
  };
  const opener = { openComputeSystem: async (id: string) => { await hang(`open ${id}`); calls.push(`opened ${id}`); return system; } };
  const platform = {
    name: 'emulator', host: { osVersion: '10.0.20348', architecture: 'amd64' },
    compute: opener, jobs: opener, network: {}, storage: {}, close: async () => undefined,
  } as unknown as Platform;
  return { platform, calls, gates };
}
const poll = { timeoutMs: 20_000, intervalMs: 2 };

for (const kind of ['compute', 'jobs'] as const) {
  test(`a ${kind} system opened after its deadline is closed`, async () => {
    const f = fakePlatform();
    const p = platformWithDeadlines(f.platform, 30);
    await assert.rejects(p[kind].openComputeSystem('s1'), /HCS_E_OPERATION_TIMEOUT/);
    f.gates.get('open s1')!();
    await waitFor('the late handle closed', () => f.calls.includes('system close'), poll);
    assert.deepEqual(f.calls, ['opened s1', 'system close']);
  });
}

test('a process opened after its deadline is closed; its system stays open for its caller', async () => {
  const f = fakePlatform();
  const p = platformWithDeadlines(f.platform, 30);
  const opening = p.compute.openComputeSystem('s1');
  f.gates.get('open s1')!();
  const system = await opening;
  await assert.rejects(system.openProcess(7), /HCS_E_OPERATION_TIMEOUT/);
  f.gates.get('openProcess')!();
  await waitFor('the late process handle closed', () => f.calls.includes('process close'), poll);
  assert.deepEqual(f.calls, ['opened s1', 'process opened', 'process close']);
});
