/**
 * A stdio attachment that fails after the process was created (the emulator connects each pipe apart): createProcess
 * rejects with the attachment's own error (its HRESULT, so the RPC answers the mapped code) and the process it made
 * is terminated, with acknowledged output (the IO keeper's) as without (was: a TypeError destroying the `acks`
 * record, which lost both the error and the termination).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, rejectsWith, containerDoc } from './helpers.js';
import { HRESULT } from '../../../../src/platform/hresult.js';

for (const ackedOutput of [true, false]) {
  test(`emulator compute: an attach failing in createProcess (ackedOutput: ${ackedOutput}) rejects with its HRESULT and ends the process`, async (t) => {
    const env = await setup();
    t.after(() => env.cleanup());
    const s = await env.platform.compute.createComputeSystem('af', containerDoc());
    t.after(() => s.close());
    await s.start();
    let pid: number | undefined;
    await env.platform.injectFault('attach', HRESULT.HCS_E_SERVICE_NOT_AVAILABLE, 1);
    await rejectsWith(s.createProcess({ CommandLine: 'sleep 30', CreateStdOutPipe: true, CreateStdErrPipe: true }, {
      ackedOutput, onCreated: (c) => { pid = c.pid; },
    }), 'HCS_E_SERVICE_NOT_AVAILABLE');
    assert.ok(pid !== undefined, 'the process was created');
    const p = await s.openProcess(pid);
    t.after(() => p.close());
    const status = await p.waitExit();
    assert.notEqual(status.ExitCode, 0, 'terminated, not exited on its own (sleep 30 would outlive the test)');
    await s.terminate();
  });
}
