/**
 * What a forgotten exec held goes with it (process-forget.ts): its spooled stdin's fds, attachment and timer, and,
 * once an output attachment still open at the forgetting has finished, its FIFOs, spills and stdin segments.
 * Exec probes do exactly this: N execs with stdin must not grow the service's fds or its stdio directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Writable } from 'node:stream';
import { setup, containerDoc, readAll, until } from './helpers.js';
import { isolationFacts } from '../../../../src/platform/emulator/service/isolation.js';
import type { ComputeSystem } from '../../../../src/platform/types.js';

const facts = isolationFacts();
const skip = facts.Enabled ? false : `no isolation here: ${facts.Reason}`;
const fds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;
const ended = (w: Writable) => new Promise<void>((res) => w.end(res));
const forgotten = async (s: ComputeSystem, pid: number) => {
  try { (await s.openProcess(pid)).close(); return false; } catch { return true; }
};

async function execWithStdin(s: ComputeSystem, i: number): Promise<void> {
  const p = await s.createProcess({ CommandLine: 'cat', CreateStdInPipe: true, CreateStdOutPipe: true });
  const out = readAll(p.stdio.stdout);
  p.stdio.stdin!.write(`in${i}\n`);
  await ended(p.stdio.stdin!);
  assert.equal(await out, `in${i}\n`);
  assert.equal((await p.waitExit()).ExitCode, 0);
  p.close();
  await until(() => forgotten(s, p.pid), 10_000);
}

test('forgotten execs with stdin leave no fd open in the service', { skip, timeout: 120_000 }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const s = await env.platform.compute.createComputeSystem('fds', containerDoc());
  await s.start();
  const init = await s.createProcess({ CommandLine: 'sleep 300' });
  const service = await env.platform.servicePid();
  for (let i = 0; i < 3; i++) await execWithStdin(s, i); // what is opened once (pools, caches) is open now
  const before = fds(service);
  const N = 20;
  for (let i = 0; i < N; i++) await execWithStdin(s, i);
  // Two fds per exec were kept (the doorbell and the segment): N execs would add 2N.
  await until(() => fds(service) <= before + 4, 10_000).catch(() => undefined);
  const after = fds(service);
  assert.ok(after <= before + 4, `service fds: ${before} before ${N} execs with stdin, ${after} after`);
  init.close();
  await s.terminate();
});

test('an exec forgotten while its output is still attached leaves no stdio file once the output is read', { skip, timeout: 120_000 }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const stdio = join(env.dir, 'state', 'stdio');
  const s = await env.platform.compute.createComputeSystem('drain', containerDoc());
  await s.start();
  const init = await s.createProcess({ CommandLine: 'sleep 300' });
  const files = () => (existsSync(stdio) ? readdirSync(stdio).filter((n) => !n.startsWith('pool-')) : []);
  const initFiles = new Set(files());
  // Far more output than the sockets hold: the attachment is still sending when the handle closes.
  const p = await s.createProcess({ CommandLine: 'sh -c "head -c 2000000 /dev/zero"', CreateStdInPipe: true, CreateStdOutPipe: true });
  await ended(p.stdio.stdin!); // a stdin closed without data: its .eof record is a file too
  assert.equal((await p.waitExit()).ExitCode, 0);
  p.close();
  await until(() => forgotten(s, p.pid), 10_000);
  const out = await readAll(p.stdio.stdout);
  assert.equal(out.length, 2_000_000);
  const perExec = () => files().filter((n) => !initFiles.has(n) && ![...initFiles].some((f) => n.startsWith(basename(f))));
  await until(() => perExec().length === 0, 10_000).catch(() => undefined);
  assert.deepEqual(perExec(), [], 'the forgotten exec\'s FIFOs, segments and .eof record are removed');
  init.close();
  await s.terminate();
});
