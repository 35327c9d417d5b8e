/**
 * Bounded process records (process-forget.ts): an exited process is forgotten once its last handle closes, as in
 * HCS, so a system exec'd into N times keeps a record (on disk, in the service's memory) that does not grow with
 * N; every exec's exit still reaches its caller, the init process's exit is still reported, and a handle held
 * across a service restart still gets its process's exit code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { setup, containerDoc, readAll, rejectsWith, until, alive, withForgetGrace } from './helpers.js';
import { recordsFile } from '../../../../src/platform/emulator/protocol.js';
import type { SystemRecord } from '../../../../src/platform/emulator/service/records.js';

const N = 200;

function savedRecord(stateDir: string, id: string): { rec: SystemRecord | undefined; bytes: number } {
  const path = recordsFile(stateDir, 'systems');
  const all = JSON.parse(readFileSync(path, 'utf8')) as SystemRecord[];
  return { rec: all.find((r) => r.id === id), bytes: statSync(path).size };
}

/** The files in a state directory (without the FIFO pool's spares, fifo-pool.ts). */
const filesIn = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((n) => !n.startsWith('pool-')) : []);

test(`${N} execs in one system: exits reach their callers, the record stays bounded, the init's exit is reported`, { timeout: 180_000 }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const stateDir = join(env.dir, 'state');
  const s = await env.platform.compute.createComputeSystem('soak', containerDoc());
  await s.start();
  // The system's first process is its init (the container's process): it exits when its stdin ends.
  const init = await s.createProcess({ CommandLine: 'sh -c "read x; exit 3"', CreateStdInPipe: true });
  const initExit = init.waitExit();
  const saved = () => savedRecord(stateDir, 'soak');
  const sizes: number[] = [];
  const pids: number[] = [];
  for (let i = 0; i < N; i++) {
    const p = await s.createProcess({ CommandLine: `sh -c "echo out${i}; exit ${i % 100}"`, CreateStdOutPipe: true });
    pids.push(p.pid);
    assert.equal(await readAll(p.stdio.stdout), `out${i}\n`);
    const st = await p.waitExit();
    assert.deepEqual(st, { ProcessId: p.pid, Exited: true, ExitCode: i % 100, LastWaitResult: 0 }, `exec ${i}`);
    // Asked again after the exit (HcsGetProcessProperties while the handle is open): still there.
    assert.equal((await p.getProperties()).ExitCode, i % 100);
    p.close();
    if (i === 9 || i === N - 1) {
      // Forgetting is not written on its own: the record on disk (last written for this exec's exit) holds the
      // init and this exec only, the execs before it having been forgotten before that write.
      await until(() => saved().rec?.processes.every((x) => x.pid === init.pid || x.pid === p.pid) === true, 10_000);
      sizes.push(saved().bytes);
    }
  }
  const { rec } = saved();
  assert.equal(rec?.processes[0]?.pid, init.pid);
  assert.ok(sizes[1]! <= sizes[0]! + 64, `record after ${N} execs (${sizes[1]} B) is no larger than after 10 (${sizes[0]} B)`);
  t.diagnostic(`systems record: ${sizes[0]} B after 10 execs, ${sizes[1]} B after ${N}`);
  // In the service's memory too: a forgotten exec is unknown (HcsOpenProcess: not found), as in HCS.
  for (const pid of [pids[0]!, pids[N / 2]!, pids[N - 1]!]) if (pid !== init.pid) await rejectsWith(s.openProcess(pid), 'ERROR_NOT_FOUND');
  // Nothing per exec is left on disk: output pipes and spills, exit-status files. The init's own stdin (its
  // doorbell and spool, stdin-spool.ts) lives on with it.
  const initFiles = Object.values(rec?.processes[0]?.fifos ?? {}).flatMap((f) => (f ? [basename(f)] : []));
  const perExec = () => filesIn(join(stateDir, 'stdio')).filter((n) => !initFiles.some((f) => n.startsWith(f)));
  await until(() => perExec().length === 0 && filesIn(join(stateDir, 'exits')).length === 0);

  // The init process stays known although no handle is open on it, and its exit is reported.
  init.close();
  const again = await s.openProcess(init.pid);
  assert.equal((await again.getProperties()).Exited, false);
  init.stdio.stdin?.end('\n');
  assert.equal((await initExit).ExitCode, 3);
  // The init's exit is written before it is reported: that write carries the forgetting of the last exec too.
  assert.deepEqual(saved().rec?.processes.map((p) => p.pid), [init.pid], 'only the init process is left in the saved record');
  again.close();
  // Exited and without a handle, the init is still there to ask (the keeper and the runtime ask by pid).
  const late = await s.openProcess(init.pid);
  assert.equal((await late.getProperties()).ExitCode, 3);
  late.close();
  await s.terminate();
});

test('a forgotten exec is unknown to the service; one whose handle is open is not', async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const s = await env.platform.compute.createComputeSystem('forget', containerDoc());
  await s.start();
  const init = await s.createProcess({ CommandLine: 'sleep 300' });
  const held = await s.createProcess({ CommandLine: 'sh -c "exit 9"' });
  const closed = await s.createProcess({ CommandLine: 'sh -c "exit 8"' });
  assert.equal((await closed.waitExit()).ExitCode, 8);
  assert.equal((await held.waitExit()).ExitCode, 9);
  closed.close();
  await until(async () => {
    try { (await s.openProcess(closed.pid)).close(); return false; } catch { return true; }
  });
  await rejectsWith(s.openProcess(closed.pid), 'ERROR_NOT_FOUND');
  assert.equal((await held.getProperties()).ExitCode, 9);
  held.close();
  init.close();
  await s.terminate();
});

test('across a service restart: an exited exec whose handle is held keeps its exit code; one nobody holds goes', { timeout: 60_000 }, async (t) => {
  withForgetGrace(t, 3000);
  const env = await setup();
  t.after(() => env.cleanup());
  const stateDir = join(env.dir, 'state');
  const s = await env.platform.compute.createComputeSystem('restart', containerDoc());
  await s.start();
  const init = await s.createProcess({ CommandLine: 'sleep 300' });
  const held = await s.createProcess({ CommandLine: 'sh -c "exit 42"' });
  assert.equal((await held.waitExit()).ExitCode, 42);
  // Running at the kill, its handle closed: it exits while the service is down, nobody will ask for it.
  const loose = await s.createProcess({ CommandLine: 'sleep 300' });
  loose.close();
  await until(() => savedRecord(stateDir, 'restart').rec?.processes.length === 3);
  const oldPid = await env.platform.servicePid();
  process.kill(oldPid, 'SIGKILL');
  await until(() => !alive(oldPid));
  process.kill(loose.pid, 'SIGKILL');
  await until(() => !alive(loose.pid));
  // The client reconnects (a new service loads the records) and re-opens the handles it holds.
  const s2 = await env.platform.compute.openComputeSystem('restart');
  assert.notEqual(await env.platform.servicePid(), oldPid);
  assert.deepEqual(await held.getProperties(), { ProcessId: held.pid, Exited: true, ExitCode: 42, LastWaitResult: 0 });
  // After the grace the service gives reconnecting clients, the one nobody holds is forgotten ...
  const forgotten = (pid: number) => async () => {
    try { (await s2.openProcess(pid)).close(); return false; } catch { return true; }
  };
  await until(forgotten(loose.pid), 15_000);
  await rejectsWith(s2.openProcess(loose.pid), 'ERROR_NOT_FOUND');
  // ... the held one is not, until its handle closes; the init stays.
  assert.equal((await held.getProperties()).ExitCode, 42);
  held.close();
  await until(forgotten(held.pid), 10_000);
  // Forgetting is not written on its own: the next record write (an exec's exit, written before it is reported)
  // carries it.
  const next = await s2.createProcess({ CommandLine: 'sh -c "exit 0"' });
  assert.equal((await next.waitExit()).ExitCode, 0);
  next.close();
  assert.deepEqual(savedRecord(stateDir, 'restart').rec?.processes.map((p) => p.pid), [init.pid, next.pid]);
  init.close();
  s.close();
  await s2.terminate();
});
