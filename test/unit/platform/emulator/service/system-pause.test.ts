/**
 * A system with a cgroup freezer is paused by freezing it, not by signals (system-pause.ts): the pause writes
 * FROZEN, completes once the freezer reports frozen (not while FREEZING), and past the bound thaws the cgroup, leaves
 * the system Running and fails with HCS_E_CONNECTION_TIMEOUT naming the cgroup and its processes. The freezer is a
 * directory with a v1 freezer's files and its state an injected reader, so no root is needed and a freeze that
 * never completes is played deterministically.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ComputeEmulator } from '../../../../../src/platform/emulator/service/compute.js';
import type { FreezeState } from '../../../../../src/platform/emulator/service/cgroup-freeze.js';
import type { SystemRecord } from '../../../../../src/platform/emulator/service/records.js';

/** A Running system whose one process is a real `sleep`, listed in the v1 freezer directory of its cgroup. */
function system(t: { after(fn: () => void): void }): { emu: ComputeEmulator; rec: SystemRecord; pid: number; state: () => string } {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-system-pause-'));
  const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
  const pid = child.pid!;
  t.after(() => { try { process.kill(-pid, 'SIGKILL'); process.kill(-pid, 'SIGCONT'); } catch { /* gone */ } rmSync(dir, { recursive: true, force: true }); });
  writeFileSync(join(dir, 'freezer.state'), 'THAWED');
  writeFileSync(join(dir, 'cgroup.procs'), `${pid}\n`);
  const emu = new ComputeEmulator(dir, { trySave: async () => true } as never, {} as never, () => undefined, () => undefined);
  const rec: SystemRecord = {
    id: 'frozen', document: {}, state: 'Running', createdAt: new Date().toISOString(),
    isolation: { created: [], cgroup: { version: 1, dirs: [dir] } },
    processes: [{ pid, startTicks: 0, commandLine: 'sleep 300', exited: false, streams: { stdin: false, stdout: false, stderr: false } }],
  };
  (emu as unknown as { systems: Map<string, SystemRecord> }).systems.set(rec.id, rec);
  return { emu, rec, pid, state: () => readFileSync(join(dir, 'freezer.state'), 'utf8') };
}

const procState = (pid: number): string => /\) (\S) /.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))![1]!;
const noStops = { states: () => assert.fail('a system with a freezer is not paused by signals') };

test('pause freezes the cgroup and completes once it reads frozen; resume thaws it; no signal is sent', async (t) => {
  const { emu, rec, pid, state } = system(t);
  const script: FreezeState[] = ['freezing', 'freezing', 'frozen'];
  const seen: string[] = [];
  emu.pauseWait = { ...noStops, timeoutMs: 60_000, freezeState: () => { seen.push(state()); return script.shift()!; } };
  await emu.pause(rec.id);
  assert.deepEqual(seen, ['FROZEN', 'FROZEN', 'FROZEN'], 'FROZEN written, then the state read until frozen');
  assert.equal(rec.state, 'Paused');
  assert.notEqual(procState(pid), 'T', 'no SIGSTOP');
  await emu.resume(rec.id);
  assert.equal(state(), 'THAWED');
  assert.equal(rec.state, 'Running');
});

test('a freeze that does not complete in time: thawed, Running, HCS_E_CONNECTION_TIMEOUT naming the cgroup and its process', async (t) => {
  const { emu, rec, pid, state } = system(t);
  emu.pauseWait = { ...noStops, timeoutMs: 20, freezeState: () => 'freezing' };
  await assert.rejects(emu.pause(rec.id), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'HCS_E_CONNECTION_TIMEOUT');
    assert.match(e.message, new RegExp(`cgroup ${rec.isolation!.cgroup!.dirs[0]} did not freeze within 0.02 s \\(it stayed freezing; its processes: ${pid} \\(sleep, state S, in \\w+\\)\\)\\..*The system was thawed and is still Running`));
    return true;
  });
  assert.equal(state(), 'THAWED');
  assert.equal(rec.state, 'Running');
  // Resumed while the pause waited: the pause fails, the resume stands.
  emu.pauseWait = { ...noStops, timeoutMs: 60_000, freezeState: () => { void emu.resume(rec.id); return 'freezing'; } };
  await assert.rejects(emu.pause(rec.id), /HCS_E_INVALID_STATE.*resumed, shut down or terminated while the pause waited/);
  assert.equal(rec.state, 'Running');
  assert.equal(state(), 'THAWED');
});
