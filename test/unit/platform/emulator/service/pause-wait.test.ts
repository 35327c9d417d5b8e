/**
 * Pause completes once the pause took effect (pause-wait.ts): every member of the system's process groups stopped
 * (T/t) or gone, within a bound that fails with an operator's message and leaves the system Running. The threads'
 * states come from an injected reader, so a process slow to reach the stopped state is played deterministically.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ComputeEmulator } from '../../../../../src/platform/emulator/service/compute.js';
import { waitStopped, type Member } from '../../../../../src/platform/emulator/service/pause-wait.js';
import type { SystemRecord } from '../../../../../src/platform/emulator/service/records.js';

const member = (pid: number): Member => ({ pid, starttime: 1, comm: `p${pid}` });

test('waitStopped: looks again until each is stopped (T, t) or gone; a thread still running keeps it waiting', async () => {
  const script = new Map<number, (string[] | undefined)[]>([
    [1, [['R'], ['S', 'T'], ['T', 'T']]], // a second thread stops later than the first
    [2, [['R'], ['t']]],
    [3, [['R'], undefined]], // exited meanwhile
  ]);
  const reads: number[] = [];
  const left = await waitStopped([member(1), member(2), member(3)], (m) => { reads.push(m.pid); return script.get(m.pid)!.shift(); }, 60_000, () => false);
  assert.deepEqual(left, []);
  assert.deepEqual(reads, [1, 2, 3, 1, 2, 3, 1], 'each is read until it settled, not after');
});

test('waitStopped: one that never stops is returned once the bound passed; abandon() ends the wait early', async () => {
  const left = await waitStopped([member(1), member(2)], (m) => (m.pid === 1 ? ['D'] : ['T']), 20, () => false);
  assert.deepEqual(left, [{ member: member(1), states: ['D'] }]);
  let n = 0;
  const abandoned = await waitStopped([member(1)], () => ['R'], 60_000, () => ++n === 2);
  assert.deepEqual(abandoned.map((u) => u.member.pid), [1]);
  assert.equal(n, 2);
});

/** A Running system whose one process is a real `sleep` in a process group of its own. */
function system(t: { after(fn: () => void): void }): { emu: ComputeEmulator; rec: SystemRecord; pid: number } {
  const stateDir = mkdtempSync(join(tmpdir(), 'wincri-pause-wait-'));
  const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
  const pid = child.pid!;
  t.after(() => { try { process.kill(-pid, 'SIGKILL'); process.kill(-pid, 'SIGCONT'); } catch { /* gone */ } rmSync(stateDir, { recursive: true, force: true }); });
  const persist = { trySave: async () => true };
  const emu = new ComputeEmulator(stateDir, persist as never, {} as never, () => undefined, () => undefined);
  const rec: SystemRecord = {
    id: 'paused', document: {}, state: 'Running', createdAt: new Date().toISOString(),
    processes: [{ pid, startTicks: 0, commandLine: 'sleep 300', exited: false, streams: { stdin: false, stdout: false, stderr: false } }],
  };
  (emu as unknown as { systems: Map<string, SystemRecord> }).systems.set(rec.id, rec);
  return { emu, rec, pid };
}

const realState = (pid: number): string => /\) (\S) /.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))![1]!;

test('pause completes only once its processes are stopped (was: at once after SIGSTOP)', async (t) => {
  const { emu, rec, pid } = system(t);
  const said: string[] = [];
  const script = [['R'], ['R'], ['R'], ['T']];
  emu.pauseWait = { states: (m) => { assert.equal(m.pid, pid); const st = script.shift()!; said.push(st[0]!); return st; }, timeoutMs: 60_000 };
  await emu.pause(rec.id);
  assert.deepEqual(said, ['R', 'R', 'R', 'T'], 'pause looked until the process was reported stopped');
  assert.equal(rec.state, 'Paused');
  await emu.resume(rec.id);
  assert.notEqual(realState(pid), 'T', 'SIGCONT has woken it when resume returns');
});

test('a process that does not stop in time: HCS_E_CONNECTION_TIMEOUT naming it, the system resumed and Running', async (t) => {
  const { emu, rec, pid } = system(t);
  emu.pauseWait = { states: () => ['S', 'D'], timeoutMs: 20 };
  await assert.rejects(emu.pause(rec.id), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'HCS_E_CONNECTION_TIMEOUT');
    assert.match(e.message, new RegExp(`process ${pid} \\(sleep\\) was not stopped .*state D: uninterruptible sleep.*still Running`));
    return true;
  });
  assert.equal(rec.state, 'Running');
  assert.notEqual(realState(pid), 'T', 'what had stopped runs again');
  // Resumed while the pause waited: the pause fails, the resume stands.
  emu.pauseWait = { states: () => { void emu.resume(rec.id); return ['R']; }, timeoutMs: 60_000 };
  await assert.rejects(emu.pause(rec.id), /HCS_E_INVALID_STATE.*resumed, shut down or terminated while the pause waited/);
  assert.equal(rec.state, 'Running');
});
