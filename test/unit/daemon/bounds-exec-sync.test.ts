/** limits.concurrentExecSync holds: ExecSync beyond the bound waits for a slot, and every one completes (counted with stalled fakes). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execSync } from '../../../src/cri/runtime-service/exec-sync.js';
import type { CriContext } from '../../../src/cri/context.js';
import { Semaphore } from '../../../src/util/semaphore.js';

const settle = async () => { for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r)); };

test('ExecSync beyond limits.concurrentExecSync waits for a slot; all complete', async () => {
  let inFlight = 0; let peak = 0; const releases: (() => void)[] = [];
  const runtime = {
    execSync: async () => {
      inFlight++; peak = Math.max(peak, inFlight);
      await new Promise<void>((r) => releases.push(r));
      inFlight--;
      return { stdout: Buffer.from('ok'), stderr: Buffer.alloc(0), exitCode: 0 };
    },
  };
  const execSyncSlots = new Semaphore(2);
  const ctx = { runtime, execSyncSlots } as unknown as CriContext;
  const req = { containerId: 'c', cmd: ['probe'], timeout: 0 } as never;
  const all = Array.from({ length: 5 }, () => execSync(req, ctx));
  await settle();
  assert.equal(inFlight, 2, 'two probes run');
  assert.equal(execSyncSlots.queued, 3, 'three wait');
  while (releases.length || inFlight) { releases.shift()?.(); await settle(); assert.ok(inFlight <= 2); }
  const results = await Promise.all(all);
  assert.equal(peak, 2);
  assert.deepEqual(results.map((r) => r.exitCode), [0, 0, 0, 0, 0]);
});
