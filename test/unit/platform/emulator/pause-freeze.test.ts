/**
 * Pause freezes the whole system, as HCS freezes a silo (system-pause.ts, cgroup-freeze.ts): a daemon that left
 * the system's process groups (setsid) stops counting too (was: only the groups got SIGSTOP, and it ran on). Resume
 * runs it again; a restarted service finds the system still paused; terminate while paused ends every process and
 * leaves no cgroup behind. Needs root, isolation and a freezer (v1 hierarchy or v2).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setup, containerDoc, rejectsWith, until, alive, type Env } from './helpers.js';
import { freezeStateOf, freezerSkip } from './paused-probe.js';
import { cgroupInstanceDir } from '../../../../src/platform/emulator/service/cgroups.js';
import { cgroupSupport } from '../../../../src/platform/emulator/service/cgroup-support.js';
import { instanceId } from '../../../../src/platform/emulator/service/instance.js';
import type { ComputeSystem } from '../../../../src/platform/types.js';

const sup = cgroupSupport();
const skip = freezerSkip();

/** The daemon: it leaves the system's process group (setsid), says its pid, and counts in /c/n every 50 ms. */
const DAEMON = [
  'setsid sh -c \'echo $$ > /c/pid; i=0; while :; do i=$((i+1)); echo $i > /c/n.new; mv /c/n.new /c/n; sleep 0.05; done\' &',
  'exec sleep 600',
].join('\n');

const count = (dir: string): string => { try { return readFileSync(join(dir, 'n'), 'utf8'); } catch { return ''; } };

/** The host pid of the process whose pid in the system's namespace is `nsPid` (NSpid's last field). */
function hostPid(nsPid: number, among: number[]): number | undefined {
  return among.find((pid) => {
    try { return /^NSpid:.*\s(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] === String(nsPid); } catch { return false; }
  });
}

/** A started system `id` running the daemon; its counter directory and its cgroup directories. */
async function withDaemon(env: Env, id: string): Promise<{ s: ComputeSystem; dir: string; cgDirs: string[]; daemon: number; main: number }> {
  const dir = join(env.dir, `${id}-c`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'daemon.sh'), DAEMON);
  const s = await env.platform.compute.createComputeSystem(id, containerDoc({ MappedDirectories: [{ HostPath: dir, ContainerPath: 'C:\\c' }] }));
  await s.start();
  const pr = await s.createProcess({ CommandLine: 'sh /c/daemon.sh' });
  await until(() => count(dir) !== '' && existsSync(join(dir, 'pid')));
  const cgDirs = sup!.roots.map((r) => join(r, cgroupInstanceDir(instanceId(join(env.dir, 'state'))), id));
  const procs = cgDirs.flatMap((d) => readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number));
  const daemon = hostPid(Number(readFileSync(join(dir, 'pid'), 'utf8')), procs);
  assert.ok(daemon, 'the daemon is in the system\'s cgroup');
  return { s, dir, cgDirs, daemon, main: pr.pid };
}

/** The counter stands still over `ms` (a check of the state "not running", read twice). */
async function standsStill(dir: string, ms = 400): Promise<boolean> {
  const before = count(dir);
  await new Promise((r) => setTimeout(r, ms));
  return count(dir) === before;
}

test('pause freezes a daemon that left the process groups; resume runs it again; terminate while paused ends all', { skip }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const { s, dir, cgDirs, daemon, main } = await withDaemon(env, 'frz');
  await s.pause();
  assert.equal((await s.getProperties()).State, 'Paused');
  assert.ok(await standsStill(dir), 'the daemon does not count while the system is paused');
  assert.equal(freezeStateOf(daemon), 'frozen', 'the daemon\'s cgroup is frozen');
  assert.equal(freezeStateOf(main), 'frozen');
  // Statistics and the process list are read from /proc while the processes are frozen.
  const props = await s.getProperties({ PropertyTypes: ['Statistics', 'ProcessList'] });
  assert.ok((props.ProcessList ?? []).some((p) => p.ProcessId === main), 'the paused system lists its process');
  await rejectsWith(s.createProcess({ CommandLine: 'true' }), 'HCS_E_INVALID_STATE');
  await s.resume();
  assert.equal(freezeStateOf(daemon), 'thawed');
  const resumedAt = count(dir);
  await until(() => count(dir) !== resumedAt);
  await s.pause();
  assert.equal(freezeStateOf(daemon), 'frozen');
  await s.terminate();
  assert.deepEqual(await s.waitExit(), { Status: 0, ExitType: 'ForcedExit' });
  await until(() => !alive(daemon) && !alive(main)); // the frozen daemon was killed (and reaped), the main process too
  await until(() => cgDirs.every((d) => !existsSync(d)));
});

test('a system paused when its service is killed is still paused for the restarted service, which resumes it', { skip }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const { s, dir, daemon } = await withDaemon(env, 'frz-restart');
  await s.pause();
  const oldPid = await env.platform.servicePid();
  process.kill(oldPid, 'SIGKILL');
  await until(() => !alive(oldPid));
  const s2 = await env.platform.compute.openComputeSystem('frz-restart');
  assert.notEqual(await env.platform.servicePid(), oldPid);
  assert.equal((await s2.getProperties()).State, 'Paused');
  assert.ok(await standsStill(dir), 'still paused after the restart');
  assert.equal(freezeStateOf(daemon), 'frozen');
  await s2.resume();
  const resumedAt = count(dir);
  await until(() => count(dir) !== resumedAt);
  await s2.pause();
  await s2.terminate();
  await until(() => !alive(daemon));
  void s;
});
