/**
 * A pid reused within a compute system (proc-lookup.ts, pid-reuse.ts): lookups by pid reach the live process, an
 * exited record only while none lives under its pid; the new process does not inherit the old one's live entry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ComputeEmulator } from '../../../../../src/platform/emulator/service/compute.js';
import { recordOfPid } from '../../../../../src/platform/emulator/service/proc-lookup.js';
import { supersedeRecords } from '../../../../../src/platform/emulator/service/pid-reuse.js';
import { procKey } from '../../../../../src/platform/emulator/service/process-forget.js';
import type { LiveProc } from '../../../../../src/platform/emulator/service/live-proc.js';
import type { ProcRecord, SystemRecord } from '../../../../../src/platform/emulator/service/records.js';

const rec = (pid: number, exited: boolean, exitCode?: number, stdin = false): ProcRecord => ({
  pid, startTicks: 0, commandLine: `p${pid}`, exited, ...(exitCode === undefined ? {} : { exitCode, lastWaitResult: 0 }),
  streams: { stdin, stdout: false, stderr: false },
});
const system = (processes: ProcRecord[]): SystemRecord => ({ id: 'reuse', document: {}, state: 'Running', createdAt: '', processes });

test('recordOfPid: the live record wins over older and newer exited ones; else the newest exited one', () => {
  const init = rec(700, true, 0);
  const oldExec = rec(4242, true, 3);
  const newExec = rec(4242, false, undefined, true);
  assert.equal(recordOfPid([init, oldExec, newExec], 4242), newExec);
  const stale = rec(4242, false);
  assert.equal(recordOfPid([stale, rec(4242, true, 1)], 4242), stale);
  const later = rec(4242, true, 9);
  assert.equal(recordOfPid([init, oldExec, later], 4242), later);
  assert.equal(recordOfPid([init], 4242), undefined);
  assert.equal(recordOfPid([init], '700'), undefined, 'a pid is a number');
});

test('the service looks a reused pid up as its live process (was: the oldest record, an exited one)', async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'wincri-pid-reuse-'));
  t.after(() => rmSync(stateDir, { recursive: true, force: true }));
  const emu = new ComputeEmulator(stateDir, { trySave: async () => true, flush: async () => undefined } as never, {} as never, () => undefined, () => undefined);
  // The kept init exited; the kernel gave its pid to an exec created later in the same system (pid_max wrapped).
  const s = system([rec(4242, true, 1), rec(800, true, 0), rec(4242, false, undefined, true)]);
  (emu as unknown as { systems: Map<string, SystemRecord> }).systems.set(s.id, s);
  assert.deepEqual(emu.openProcess(s.id, 4242), { ProcessId: 4242, Exited: false });
  assert.deepEqual(await emu.processProperties(s.id, 4242), { ProcessId: 4242, Exited: false });
  // Once it exited too, the pid names the newest one: its exit, not the init's.
  s.processes[2] = { ...s.processes[2]!, exited: true, exitCode: 7, lastWaitResult: 0 };
  assert.deepEqual(await emu.processProperties(s.id, 4242), { ProcessId: 4242, Exited: true, ExitCode: 7, LastWaitResult: 0 });
});

test('supersedeRecords: the older record\'s live entry is released and dropped; one still marked running gets its exit', () => {
  const exitedOld = rec(4242, true, 1);
  const staleOld = rec(4242, false);
  const s = system([exitedOld, staleOld]);
  let stdinClosed = 0;
  const lp = { waiters: [], stdinAttached: true, stdin: { close: () => { stdinClosed++; } } } as unknown as LiveProc;
  const live = new Map<string, LiveProc>([[procKey(s.id, 4242), lp], [procKey(s.id, 1), { waiters: [] }]]);
  const marked: ProcRecord[] = [];
  const logged: string[] = [];
  supersedeRecords({ live, markAdoptedExit: (_s, p) => { marked.push(p); p.exited = true; }, log: (m) => logged.push(m) }, s, 4242);
  assert.deepEqual(marked, [staleOld], 'only the one still marked running');
  assert.match(logged.join('\n'), /process 4242 of reuse was recorded as running, but a new process has its pid/);
  assert.equal(stdinClosed, 1, 'the old entry is released');
  assert.deepEqual([...live.keys()], [procKey(s.id, 1)], 'the new process gets an entry of its own');
  supersedeRecords({ live, markAdoptedExit: () => assert.fail('nothing runs'), log: () => undefined }, system([]), 1);
  assert.equal(live.size, 1, 'a pid no record of the system has: nothing to supersede');
});
