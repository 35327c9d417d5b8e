/**
 * A service start with records that share a pid (the kernel reused it while an earlier record was kept:
 * load-pids.ts). The live entry of the pid is the live process's alone, as on the live path (pid-reuse.ts): the
 * earlier records stay exited (one still marked running gets its exit) and their output is not reopened onto it
 * (was: every record's FIFOs were reopened onto the one entry, so the live process's stdout was an earlier one's).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ComputeEmulator } from '../../../../../src/platform/emulator/service/compute.js';
import { supersededRecords } from '../../../../../src/platform/emulator/service/load-pids.js';
import { procKey } from '../../../../../src/platform/emulator/service/process-forget.js';
import { readStat } from '../../../../../src/platform/emulator/service/procfs.js';
import { HRESULT } from '../../../../../src/platform/hresult.js';
import type { LiveProc } from '../../../../../src/platform/emulator/service/live-proc.js';
import type { ProcRecord, SystemRecord } from '../../../../../src/platform/emulator/service/records.js';
import { waitFor } from '../../../../helpers/wait-for.js';

const rec = (pid: number, commandLine: string, exited: boolean, extra: Partial<ProcRecord> = {}): ProcRecord => ({
  pid, startTicks: 0, commandLine, exited, streams: { stdin: false, stdout: false, stderr: false }, ...extra,
});

test('supersededRecords: per pid the live record owns the entry, else the newest; the others are superseded', () => {
  const a = rec(5, 'a', true);
  const b = rec(5, 'b', false);
  const c = rec(5, 'c', true);
  const other = rec(6, 'other', true);
  assert.deepEqual([...supersededRecords([a, b, other], (p) => p === b)], [a]);
  assert.deepEqual([...supersededRecords([a, b, c, other], () => false)], [a, b], 'none live: the newest owns it');
  assert.deepEqual([...supersededRecords([b, c], (p) => p === b)], [c], 'the live one wins over a newer exited one');
  assert.deepEqual([...supersededRecords([other], () => false)], []);
});

test('after a restart, a reused pid\'s entry is its live process\'s; earlier records stay exited, their output released', async (t) => {
  process.env.WINCRI_EMULATOR_NS_HELPER = '0'; // no helper build for this state dir
  const stateDir = mkdtempSync(join(tmpdir(), 'wincri-load-pids-'));
  const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
  const pid = child.pid!;
  t.after(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } rmSync(stateDir, { recursive: true, force: true }); });
  const st = readStat(pid)!;
  const fifo = (name: string) => { const p = join(stateDir, name); assert.equal(spawnSync('mkfifo', [p]).status, 0); return p; };
  // An exited init whose output was kept, an exec still marked running whose process is gone, then the live exec.
  const older = rec(pid, 'older', true, { startTicks: st.starttime - 2, exitCode: 3, lastWaitResult: 0, fifos: { stdout: fifo('older.out') } });
  const stale = rec(pid, 'stale', false, { startTicks: st.starttime - 1, fifos: { stderr: fifo('stale.err') } });
  const live = rec(pid, 'live', false, { startTicks: st.starttime });
  const sys: SystemRecord = { id: 'reload', document: {}, state: 'Running', createdAt: '', processes: [older, stale, live] };
  const persist = { load: async () => [sys], trySave: async () => true, flush: async () => undefined };
  const emu = new ComputeEmulator(stateDir, persist as never, {} as never, () => undefined, () => undefined);
  await emu.load();
  const lp = (emu as unknown as { live: Map<string, LiveProc> }).live.get(procKey(sys.id, pid))!;
  assert.equal(lp.out, undefined, 'no earlier process\'s stdout on the live one\'s entry');
  assert.equal(lp.err, undefined, 'no earlier process\'s stderr either');
  assert.ok(lp.poll, 'the live process is re-adopted');
  assert.deepEqual(emu.openProcess(sys.id, pid), { ProcessId: pid, Exited: false });
  assert.deepEqual(emu.record(sys.id)!.processes.map((p) => [p.commandLine, p.exited, p.exitCode, p.lastWaitResult]), [
    ['older', true, 3, 0],
    ['stale', true, 255, HRESULT.HCS_E_PROCESS_INFO_NOT_AVAILABLE | 0],
    ['live', false, undefined, undefined],
  ]);
  assert.equal(existsSync(older.fifos!.stdout!), false, 'the earlier records\' output files are gone');
  assert.equal(existsSync(stale.fifos!.stderr!), false);
  // Its end is seen by the re-adoption's poll (which then stops).
  process.kill(pid, 'SIGKILL');
  await waitFor('the live process\'s exit', () => live.exited, { timeoutMs: 10_000 });
});
