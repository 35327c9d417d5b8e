/**
 * Two emulator instances on one host (two test files, a bench beside a test) that use the same system id each
 * have a cgroup of their own (was: both `wincri-emulator/<id>`: the second start overwrote the first one's limits,
 * and the first one's stop killed the other's processes); a restarted instance finds its own cgroup again; a
 * stopped one leaves no directory of its own behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setup, alive, until, type Env } from './helpers.js';
import { volume, jobDoc } from './job-helpers.js';
import { cgroupInstanceDir } from '../../../../src/platform/emulator/service/cgroups.js';
import { cgroupSupport } from '../../../../src/platform/emulator/service/cgroup-support.js';
import { instanceId } from '../../../../src/platform/emulator/service/instance.js';
import { stopEmulatorService } from '../../../../src/platform/emulator/service-stop.js';
import type { ComputeSystem } from '../../../../src/platform/types.js';

const sup = cgroupSupport();
const MiB = 1024 * 1024;

/** Emulator instance `env`'s directory in the (memory) hierarchy. */
const instanceDir = (env: Env): string => join(sup!.roots[0]!, cgroupInstanceDir(instanceId(join(env.dir, 'state'))));
const memoryLimit = (dir: string): string => readFileSync(join(dir, sup!.version === 2 ? 'memory.max' : 'memory.limit_in_bytes'), 'utf8').trim();
const procsOf = (dir: string): number[] => readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);

/** A started job container `id` on `env` with a memory limit, running `sleep`. */
async function job(env: Env, id: string, mb: number): Promise<{ s: ComputeSystem; pid: number }> {
  const vol = await volume(env, id, { 'a.txt': 'a' });
  const s = await env.platform.jobs.createComputeSystem(id, jobDoc(vol, { Limits: { JobMemoryLimitInBytes: mb * MiB } }));
  await s.start();
  const p = await s.createProcess({ CommandLine: 'sleep 300' });
  return { s, pid: p.pid };
}

test('emulator cgroups: two instances with the same system id each have their own; a restarted one finds its own again', { skip: sup ? false : 'no writable cgroup hierarchy here' }, async (t) => {
  const a = await setup();
  t.after(() => a.cleanup());
  const b = await setup();
  t.after(() => b.cleanup());
  const inB = await job(b, 'shared', 128);
  const inA = await job(a, 'shared', 64);
  const dirA = join(instanceDir(a), 'shared');
  const dirB = join(instanceDir(b), 'shared');
  assert.notEqual(dirA, dirB);
  // A job's process is `sh` joining the cgroup, then exec'ing the program (same pid): createProcess answers once
  // it is spawned, and the join lands a moment later (an RCU grace period per write on a fresh boot; was read
  // before it landed, failing on such a host). The program itself only runs after the join.
  await until(() => procsOf(dirA).includes(inA.pid) && procsOf(dirB).includes(inB.pid));
  assert.ok(!procsOf(dirB).includes(inA.pid), 'a\'s process is not in b\'s cgroup');
  assert.ok(!procsOf(dirA).includes(inB.pid), 'b\'s process is not in a\'s cgroup');
  assert.equal(memoryLimit(dirB), String(128 * MiB), 'a\'s start left b\'s limit alone');
  assert.equal(memoryLimit(dirA), String(64 * MiB));

  // a's stop ends what is in its cgroup, not b's.
  await inA.s.terminate();
  await until(() => !alive(inA.pid));
  await until(() => !existsSync(dirA));
  assert.ok(alive(inB.pid), 'b\'s process runs on');

  // b's service killed and restarted: the re-adopted job's limits still go to the cgroup its process is in.
  const oldPid = await b.platform.servicePid();
  process.kill(oldPid, 'SIGKILL');
  await until(() => !alive(oldPid));
  const again = await b.platform.jobs.openComputeSystem('shared');
  await again.modify({ ResourcePath: 'Container/Memory/SizeInMB', RequestType: 'Update', Settings: 96 });
  assert.equal(memoryLimit(dirB), String(96 * MiB));
  assert.ok(procsOf(dirB).includes(inB.pid));

  // Stopped (every system terminated): b's cgroups go, and its instance directory with them. The handles are
  // closed first: a close sent afterwards would start a service again.
  again.close();
  inA.s.close();
  inB.s.close();
  await b.platform.close();
  await stopEmulatorService(join(b.dir, 'state'));
  await until(() => !alive(inB.pid));
  await until(() => !existsSync(instanceDir(b)));
});
