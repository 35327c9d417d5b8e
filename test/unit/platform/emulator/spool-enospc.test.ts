/**
 * The spool's disk fills up (a 128 KiB tmpfs under the service's stdio directory, less than the spool window):
 * the namespace helper's writes fail with ENOSPC. It holds what it could not write, stops reading the program's
 * pipe (the program blocks) and retries; the service logs the stall and counts it. Once the reader takes bytes
 * (segments go, room comes back) every line arrives exactly once and in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { containerDoc, readAll, until } from './helpers.js';
import { createEmulatorPlatform } from '../../../../src/platform/emulator/index.js';
import { stopEmulatorService } from '../../../../src/platform/emulator/service-stop.js';
import { isolationFacts } from '../../../../src/platform/emulator/service/isolation.js';

const facts = isolationFacts();
const skip = facts.Enabled ? false : `no isolation here (the namespace helper spools output): ${facts.Reason}`;

test('spool: ENOSPC holds the output and blocks the program (logged, counted); nothing is dropped once room returns', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-emu-'));
  const stateDir = join(dir, 'state');
  const stdio = join(stateDir, 'stdio');
  mkdirSync(stdio, { recursive: true, mode: 0o700 });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=128k,mode=700', 'wincri-test-spool', stdio], { stdio: 'ignore' });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    t.skip('cannot mount a tmpfs here');
    return;
  }
  let platform: Awaited<ReturnType<typeof createEmulatorPlatform>> | undefined;
  t.after(async () => {
    await platform?.close();
    await stopEmulatorService(stateDir, { removingStateDir: true });
    try { execFileSync('umount', ['-l', stdio], { stdio: 'ignore' }); } catch { /* already gone */ }
    rmSync(dir, { recursive: true, force: true });
  });
  platform = await createEmulatorPlatform({ stateDir });
  const s = await platform.compute.createComputeSystem('full', containerDoc());
  await s.start();
  const N = 400_000; // ~2.7 MB: more than the program's pipe (1 MiB), a held read and the file system together
  const pr = await s.createProcess({ CommandLine: `seq 1 ${N}`, CreateStdOutPipe: true });
  const stdout = pr.stdio.stdout as Readable;
  stdout.pause();
  const log = () => readFileSync(join(stateDir, 'service.log'), 'utf8');
  // The reader holds back: socket buffers fill, then the spool's disk.
  await until(async () => /writing the program's output failed \(ENOSPC\)/.test(log()) || (await pr.getProperties()).Exited === true, 30_000);
  const stalled = (await pr.getProperties()).Exited === false;
  const all = readAll(stdout);
  stdout.resume();
  const lines = (await all).trimEnd().split('\n');
  assert.equal(lines.length, N, 'every line arrived');
  assert.ok(lines.every((l, i) => l === String(i + 1)), 'every line once, in order');
  assert.ok(stalled, 'the program was blocked while the spool could not be written');
  assert.equal((await pr.waitExit()).ExitCode, 0);
  assert.match(log(), /writing resumed after ENOSPC; nothing was lost/);
  const props = await platform.compute.getServiceProperties() as { Spool?: { Stalls: number } };
  assert.ok((props.Spool?.Stalls ?? 0) >= 1, 'the stall is counted');
  await s.terminate();
});
