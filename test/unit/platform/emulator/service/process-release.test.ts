/**
 * Releasing a forgotten process (process-forget.ts): its stdin spool is closed at once; an output relay still
 * attached is closed when its attachment ends, and only then do its stdio files go. A removal that throws there
 * (it runs from a socket's 'close') is logged, never thrown into the event loop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { releaseProcess } from '../../../../../src/platform/emulator/service/process-forget.js';
import type { LiveProc } from '../../../../../src/platform/emulator/service/live-proc.js';
import type { ProcRecord } from '../../../../../src/platform/emulator/service/records.js';

function fakeRelay() {
  const r = { closed: false, detached: undefined as (() => void) | undefined, close() { r.closed = true; }, whenDetached(cb: () => void) { r.detached = cb; } };
  return r;
}

test('release: stdin closed now; an attached relay and the stdio files go when its attachment ends; a failed removal is logged', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-release-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const stdout = join(dir, 'out');
  const stdin = join(dir, 'in');
  writeFileSync(stdout, '');
  writeFileSync(`${stdin}.eof`, '0\n');
  const bad = join(dir, 'busy');
  mkdirSync(bad); // rmSync without `recursive` refuses a directory: the removal throws
  const out = fakeRelay();
  let stdinClosed = 0;
  const lp = { waiters: [], out, stdin: { close: () => { stdinClosed++; } } } as unknown as LiveProc;
  const p = { pid: 5, startTicks: 0, commandLine: '', exited: true, streams: {}, fifos: { stdout, stdin, stderr: bad } } as unknown as ProcRecord;
  const logged: string[] = [];
  releaseProcess(p, lp, (m) => logged.push(m));
  assert.equal(stdinClosed, 1, 'the stdin spool is closed with the process');
  assert.equal(out.closed, false, 'the attached relay finishes first');
  assert.ok(existsSync(stdout) && existsSync(`${stdin}.eof`), 'its files stay while it is attached');
  assert.doesNotThrow(() => out.detached!());
  assert.equal(out.closed, true);
  assert.equal(existsSync(stdout), false, 'the FIFO goes once the attachment ended');
  assert.equal(logged.length, 1, `the failed removal is logged: ${logged.join('; ')}`);
});
