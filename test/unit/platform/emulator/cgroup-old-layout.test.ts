/**
 * Cgroups of the layout before emulator instances (`wincri-emulator/<id>`) that nothing uses go when a service
 * starts (was: never; 159 piled up on one test host): an empty one unchanged for an hour goes with the empty ones
 * below it; one changed within the hour (an older version's service beside this one just made it), one a process is
 * in (at any depth), one a record of this instance names, or one holding a recorded hosted system's, stays; and
 * instances' directories (this one's or another's) and other services' probes are never touched.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setup, noIsolation } from './helpers.js';
import { cgroupSupport } from '../../../../src/platform/emulator/service/cgroup-support.js';
import { sweepOldLayoutCgroups } from '../../../../src/platform/emulator/service/cgroup-old-layout.js';
import { LOG_NAME } from '../../../../src/platform/emulator/protocol.js';
import type { SystemRecord } from '../../../../src/platform/emulator/service/records.js';

const sup = cgroupSupport();
const skip = sup ? false : 'no writable cgroup hierarchy here';

/** `name` (a path below the shared parent) in each hierarchy, made; removed again (deepest first) after the test. */
function made(t: TestContext, ...names: string[]): Record<string, string[]> {
  const dirs: Record<string, string[]> = {};
  for (const name of names) {
    dirs[name] = sup!.roots.map((r) => join(r, name));
    for (const d of dirs[name]!) mkdirSync(d, { recursive: true });
  }
  t.after(() => {
    for (const name of [...names].reverse()) for (const d of dirs[name]!) try { rmdirSync(d); } catch { /* gone, or not ours to keep */ }
  });
  return dirs;
}

/** An hour and a minute from now: every directory made by the test counts as unchanged for an hour. */
const later = (): number => Date.now() + 61 * 60_000;

const gone = (dirs: string[] | undefined): boolean => dirs!.every((d) => !existsSync(d));
const kept = (dirs: string[] | undefined): boolean => dirs!.every((d) => existsSync(d));

test('old-layout cgroups: unused empty ones go (with the empty ones below); busy, recorded, instances\' and probes stay', { skip }, async (t) => {
  const p = `old-${process.pid}`;
  // A process in a cgroup below an old one: that one is busy, at any depth. It is gone before the cgroups go.
  const sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });
  const exited = new Promise((r) => sleeper.on('exit', r));
  t.after(async () => { sleeper.kill('SIGKILL'); await exited; });
  const dirs = made(t, `${p}-empty`, `${p}-empty/hosted`, `${p}-busy`, `${p}-busy/hosted`, `${p}-busy/idle`, `${p}-recorded`, `${p}-uvm`, `${p}-uvm/hosted`,
    'instance-0ther1d5', 'instance-0ther1d5/sys', `.probe-${process.pid}9`);
  for (const d of dirs[`${p}-busy/hosted`]!) writeFileSync(join(d, 'cgroup.procs'), String(sleeper.pid));
  const cg = (name: string) => ({ version: sup!.version, dirs: dirs[name]! });
  const records = [
    { id: 'a', isolation: { created: [], cgroup: cg(`${p}-recorded`) } }, // made by an older version: kept
    { id: 'b', job: { cgroup: cg(`${p}-uvm/hosted`) } }, // recorded inside an old directory: that one stays too
  ] as unknown as SystemRecord[];
  const logs: string[] = [];
  const removed = sweepOldLayoutCgroups(records, (m) => logs.push(m), later());

  assert.deepEqual(removed.filter((d) => d.includes(p)).sort(), [...dirs[`${p}-empty`]!].sort(), 'only the unused empty one is removed');
  assert.ok(gone(dirs[`${p}-empty/hosted`]) && gone(dirs[`${p}-empty`]), 'with the empty cgroup below it');
  assert.ok(kept(dirs[`${p}-busy/hosted`]), 'a cgroup a process is in stays, and the one above it');
  // The kernel refuses to remove a populated cgroup anyway; an empty one beside it shows the busy tree is not swept.
  assert.ok(kept(dirs[`${p}-busy/idle`]), 'an empty cgroup beside the busy one stays: the busy tree is left whole');
  assert.ok(!removed.some((d) => d.endsWith(`${p}-busy`)), 'the busy one is not reported removed');
  assert.ok(kept(dirs[`${p}-recorded`]), 'a recorded cgroup stays');
  assert.ok(kept(dirs[`${p}-uvm/hosted`]), 'one holding a recorded cgroup stays');
  assert.ok(kept(dirs['instance-0ther1d5/sys']), 'another instance\'s directory is not touched, even empty');
  assert.ok(kept(dirs[`.probe-${process.pid}9`]), 'nor another service\'s probe');
  assert.match(logs.join('\n'), /removed \d+ unused cgroup\(s\) of the layout before instances/);
});

test('old-layout cgroups: one changed within the hour stays (an older version beside this one may have just made it); then it goes', { skip }, async (t) => {
  const p = `old-${process.pid}-fresh`;
  const dirs = made(t, p, `${p}/hosted`);
  const removed = sweepOldLayoutCgroups([], () => undefined);
  assert.ok(!removed.some((d) => d.includes(p)) && kept(dirs[`${p}/hosted`]), 'a directory made just now is not swept');
  const aged = sweepOldLayoutCgroups([], () => undefined, later());
  assert.deepEqual(aged.filter((d) => d.includes(p)).sort(), [...dirs[p]!].sort(), 'unchanged for an hour, it goes');
  assert.ok(gone(dirs[`${p}/hosted`]));
});

test('old-layout cgroups: an emulator service removes the unused ones when it starts', { skip }, async (t) => {
  const p = `old-${process.pid}-start`;
  const dirs = made(t, p, `${p}/hosted`, 'instance-0ther1d6');
  // The directories were made just now: the service sweeps them whatever their times here (not after an hour; a
  // cgroupfs inode read in again during the sweep carries the time of that read).
  const before = process.env.WINCRI_EMULATOR_OLD_CGROUP_AGE_S;
  process.env.WINCRI_EMULATOR_OLD_CGROUP_AGE_S = '-3600';
  t.after(() => { if (before === undefined) delete process.env.WINCRI_EMULATOR_OLD_CGROUP_AGE_S; else process.env.WINCRI_EMULATOR_OLD_CGROUP_AGE_S = before; });
  const env = await setup();
  t.after(() => env.cleanup());
  assert.ok(gone(dirs[p]), 'the unused old-layout cgroup is gone once the service is up');
  assert.ok(kept(dirs['instance-0ther1d6']), 'another instance\'s directory stays');
  // Without namespaces, another emulator started meanwhile (another test file's) may have swept it first.
  if (!noIsolation()) assert.match(readFileSync(join(env.dir, 'state', LOG_NAME), 'utf8'), /unused cgroup\(s\) of the layout before instances/);
});
