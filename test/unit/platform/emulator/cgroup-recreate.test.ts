/**
 * A system's recorded cgroup whose directory is gone (another instance's start swept it as unused: a job's before
 * its first process) is made again, with the system's limits, when a process is placed in it or its limits are set
 * (was: the process's join wrote into a missing cgroup.procs and the launch failed; the modify failed on a missing
 * limit file).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { setup, until, alive, type Env } from './helpers.js';
import { volume, jobDoc } from './job-helpers.js';
import { cgroupInstanceDir } from '../../../../src/platform/emulator/service/cgroups.js';
import { cgroupSupport } from '../../../../src/platform/emulator/service/cgroup-support.js';
import { instanceId } from '../../../../src/platform/emulator/service/instance.js';
import type { ComputeSystem } from '../../../../src/platform/types.js';

const sup = cgroupSupport();
const skip = sup ? false : 'no writable cgroup hierarchy here';
const MiB = 1024 * 1024;

/** The job `id`'s cgroup directories of `env`'s instance (one per hierarchy). */
const jobDirs = (env: Env, id: string): string[] => sup!.roots.map((r) => join(r, cgroupInstanceDir(instanceId(join(env.dir, 'state'))), id));
const memoryLimit = (dir: string): string => readFileSync(join(dir, sup!.version === 2 ? 'memory.max' : 'memory.limit_in_bytes'), 'utf8').trim();
const procsOf = (dir: string): number[] => readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);

/** A started job container `id` with a memory limit and no process yet; its cgroup then removed as a sweep would. */
async function swept(env: Env, id: string, mb: number): Promise<{ s: ComputeSystem; dirs: string[] }> {
  const vol = await volume(env, id, { 'a.txt': 'a' });
  const s = await env.platform.jobs.createComputeSystem(id, jobDoc(vol, { Limits: { JobMemoryLimitInBytes: mb * MiB } }));
  await s.start();
  const dirs = jobDirs(env, id);
  assert.ok(dirs.every((d) => existsSync(d)), 'the job has its cgroup');
  for (const d of dirs) rmdirSync(d);
  return { s, dirs };
}

test('a job\'s cgroup removed under its record is made again, with its limits, for its next process and its next modify', { skip }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());

  const a = await swept(env, 'gone-launch', 64);
  const p = await a.s.createProcess({ CommandLine: 'sleep 300' });
  t.after(() => { try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ } });
  assert.ok(a.dirs.every((d) => existsSync(d)), 'the cgroup is there again');
  // `sh` joins the cgroup and then execs the program: the join may land just after createProcess answers.
  await until(() => procsOf(a.dirs[0]!).includes(p.pid));
  assert.equal(memoryLimit(a.dirs[0]!), String(64 * MiB), 'with the job\'s limit');

  const b = await swept(env, 'gone-modify', 64);
  await b.s.modify({ ResourcePath: 'Container/Memory/SizeInMB', RequestType: 'Update', Settings: 96 });
  assert.equal(memoryLimit(b.dirs[0]!), String(96 * MiB), 'the new limit is on the cgroup made again');

  await a.s.terminate();
  await until(() => !alive(p.pid));
  await b.s.terminate();
});
