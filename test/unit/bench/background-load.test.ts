import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { startBackgroundLoad } from '../../../bench/lib/background-load.js';
import { cpuTicks } from '../../../bench/lib/procs.js';

test('--background-load: N worker processes run until stop() ends every one of them', async () => {
  const load = startBackgroundLoad(2);
  try {
    assert.equal(load.pids.length, 2);
    for (const pid of load.pids) assert.ok(existsSync(`/proc/${pid}`), `worker ${pid} runs`);
    // Busy, never sleeping: each one accumulates CPU time (polled until it has; no bound on how long that takes).
    for (const pid of load.pids) {
      for (;;) {
        const ticks = cpuTicks(pid);
        assert.notEqual(ticks, undefined, `worker ${pid} exited on its own`);
        if (ticks! > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  } finally {
    await load.stop();
  }
  for (const pid of load.pids) assert.equal(cpuTicks(pid), undefined, `worker ${pid} is gone`);
});
