/**
 * Emulator isolation (as root): the recorded pid is the program's own (behind nsenter), pause/resume reaches it
 * and its wrapper, live mappings, and the building blocks (cgroup limit files, the root's mount plan).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, lstatSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setup, containerDoc, readAll, until } from './helpers.js';
import { isPaused } from './paused-probe.js';
import { isolationFacts } from '../../../../src/platform/emulator/service/isolation.js';
import { applyLimits, oomKills } from '../../../../src/platform/emulator/service/cgroup-limits.js';
import { planRootfs, cleanupRootfs } from '../../../../src/platform/emulator/service/rootfs.js';
import { fstabText, mangle, mountListText } from '../../../../src/platform/emulator/service/mount-table.js';
import { readStat } from '../../../../src/platform/emulator/service/procfs.js';
import { makeDevDir, removeDevDir, sweepDevDirs, DEVICES } from '../../../../src/platform/emulator/service/dev-skeleton.js';

const facts = isolationFacts();
const skip = facts.Enabled ? false : `no isolation here: ${facts.Reason}`;

test('isolated process: the pid is the program, pause/resume/signal reach it, exit codes pass nsenter', { skip }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const s = await env.platform.compute.createComputeSystem('iso', containerDoc());
  await s.start();
  const pr = await s.createProcess({ CommandLine: 'sleep 30' });
  assert.equal(readStat(pr.pid)?.comm, 'sleep');
  assert.equal(readStat(pr.pid)?.pgrp, pr.pid, 'the program leads its own process group');
  const list = (await s.getProperties({ PropertyTypes: ['ProcessList'] })).ProcessList ?? [];
  assert.deepEqual(list.map((p) => p.ImageName), ['sleep']);
  await s.pause();
  await until(() => isPaused(pr.pid));
  await s.resume();
  await until(() => !isPaused(pr.pid));
  await pr.signal({ Signal: 'CtrlShutdown' });
  assert.equal((await pr.waitExit()).ExitCode, 143);
  const ps = await s.createProcess({ CommandLine: 'sh -c "ps -e -o comm= | sort | tr \'\\n\' \' \'"', CreateStdOutPipe: true });
  const out = await readAll(ps.stdio.stdout);
  assert.doesNotMatch(out, /node|sleep/, `only the container's processes: ${out}`);
  await s.terminate();
});

test('isolated system: mappings added and removed live, ReadOnly enforced', { skip }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const src = join(env.dir, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'f.txt'), 'from host\n');
  const s = await env.platform.compute.createComputeSystem('map', containerDoc());
  await s.start();
  await s.modify({ ResourcePath: 'Container/MappedDirectories', RequestType: 'Add', Settings: { HostPath: src, ContainerPath: 'C:\\m', ReadOnly: true } });
  const rd = await s.createProcess({ CommandLine: 'sh -c "cat /m/f.txt; echo x > /m/g.txt || echo refused"', CreateStdOutPipe: true });
  assert.equal(await readAll(rd.stdio.stdout), 'from host\nrefused\n');
  await s.modify({ ResourcePath: 'Container/MappedDirectories', RequestType: 'Remove', Settings: { HostPath: src, ContainerPath: 'C:\\m' } });
  const gone = await s.createProcess({ CommandLine: 'sh -c "ls /m | wc -l"', CreateStdOutPipe: true });
  assert.equal((await readAll(gone.stdio.stdout)).trim(), '0');
  await s.terminate();
});

test('cgroup limits: HCS memory and processor settings → v2 and v1 files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-cg-'));
  try {
    const v2 = join(dir, 'v2');
    mkdirSync(v2);
    applyLimits({ version: 2, dirs: [v2] }, { Memory: { SizeInMB: 64 }, Processor: { Maximum: 2500 } }, 4);
    assert.equal(readFileSync(join(v2, 'memory.max'), 'utf8'), String(64 * 1024 * 1024));
    assert.equal(readFileSync(join(v2, 'cpu.max'), 'utf8'), '100000 100000'); // 25 % of 4 CPUs = 1 CPU
    assert.equal(readFileSync(join(v2, 'cpu.weight'), 'utf8'), '100');
    applyLimits({ version: 2, dirs: [v2] }, { Processor: { Weight: 500 } }, 4);
    assert.equal(readFileSync(join(v2, 'memory.max'), 'utf8'), 'max');
    assert.equal(readFileSync(join(v2, 'cpu.max'), 'utf8'), 'max 100000');
    assert.equal(readFileSync(join(v2, 'cpu.weight'), 'utf8'), '500');
    const [mem, cpu] = [join(dir, 'mem'), join(dir, 'cpu')];
    mkdirSync(mem); mkdirSync(cpu);
    applyLimits({ version: 1, dirs: [mem, cpu] }, { Memory: { SizeInMB: 10 }, Processor: { Count: 8 } }, 2);
    assert.equal(readFileSync(join(mem, 'memory.limit_in_bytes'), 'utf8'), String(10 * 1024 * 1024));
    assert.equal(readFileSync(join(cpu, 'cpu.cfs_quota_us'), 'utf8'), '200000', 'Count is capped at the host CPUs');
    assert.equal(readFileSync(join(cpu, 'cpu.shares'), 'utf8'), '1024');
    writeFileSync(join(mem, 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 3\n');
    assert.equal(oomKills({ version: 1, dirs: [mem, cpu] }), 3);
    writeFileSync(join(v2, 'memory.events'), 'low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n');
    assert.equal(oomKills({ version: 2, dirs: [v2] }), 1);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('rootfs plan: host system dirs read-only unless the image has its own, mappings at their paths, cleanup', async () => {
  const root = mkdtempSync(join(tmpdir(), 'wincri-root-'));
  try {
    mkdirSync(join(root, 'opt', 'mine'), { recursive: true });
    const src = mkdtempSync(join(tmpdir(), 'wincri-src-'));
    const log = join(src, 'log');
    writeFileSync(log, '');
    const devDir = mkdtempSync(join(tmpdir(), 'wincri-dev-'));
    const plan = planRootfs('test', root, devDir, [
      { HostPath: src, ContainerPath: 'C:\\data\\in', ReadOnly: true },
      { HostPath: log, ContainerPath: '/dev/logs/termination-log' },
    ]);
    const system = fstabText(plan.mounts);
    const dev = system;
    assert.match(system, new RegExp(`^/usr ${root}/usr none bind,ro 0 0$`, 'm'), 'host /usr bound read-only');
    assert.doesNotMatch(system, /^\/opt /m, "the image's own /opt is not hidden by the host's");
    assert.match(system, new RegExp(`^overlay ${root}/opt overlay ro,lowerdir=${root}/opt:/opt,nofail 0 0$`, 'm'), "the image's /opt files lie over the host's");
    assert.match(system, new RegExp(`^proc ${root}/proc proc `, 'm'));
    assert.match(system, new RegExp(`^${devDir} ${root}/dev none bind,nosuid 0 0$`, 'm'), "the system's /dev directory is its /dev");
    assert.match(dev, new RegExp(`^/dev/null ${root}/dev/null none bind 0 0$`, 'm'));
    assert.ok(system.indexOf(`${root}/dev `) < system.indexOf(`${root}/dev/null `), 'devices are bound after /dev is in place');
    // A mapping under /dev gets its mount point in the /dev directory (the writable layer's is hidden there).
    assert.match(dev, new RegExp(`^${log} ${root}/dev/logs/termination-log none bind 0 0$`, 'm'));
    assert.ok(lstatSync(join(devDir, 'logs', 'termination-log')).isFile());
    assert.equal(existsSync(join(root, 'dev', 'logs')), false);
    assert.match(dev, new RegExp(`^${src} ${root}/data/in none bind,ro 0 0$`, 'm'), 'a ReadOnly mapping is a read-only bind');
    assert.ok(existsSync(join(root, 'data', 'in')));
    await cleanupRootfs(plan.created);
    assert.equal(existsSync(join(root, 'usr')), false);
    assert.equal(existsSync(join(root, 'data', 'in')), false);
    assert.ok(lstatSync(join(root, 'opt', 'mine')).isDirectory());
    rmSync(src, { recursive: true, force: true });
    rmSync(devDir, { recursive: true, force: true });
  } finally { rmSync(root, { recursive: true, force: true }); }
});

test("a system's /dev directory: device files, mount points and links; removed, and swept when its system is unknown", () => {
  const state = mkdtempSync(join(tmpdir(), 'wincri-state-'));
  try {
    const a = makeDevDir(state, 'sys-a');
    const b = makeDevDir(state, 'sys/b');
    for (const d of DEVICES) assert.ok(lstatSync(join(a, d)).isFile(), `${d} mount point`);
    assert.ok(lstatSync(join(a, 'pts')).isDirectory() && lstatSync(join(a, 'shm')).isDirectory());
    assert.equal(readlinkSync(join(a, 'ptmx')), 'pts/ptmx');
    assert.equal(readlinkSync(join(a, 'stdout')), '/proc/self/fd/1');
    assert.match(readlinkSync(join(a, 'wincri-holder')), /\/sleep$/);
    assert.equal(lstatSync(a).mode & 0o777, 0o755);
    sweepDevDirs(state, ['sys/b']);
    assert.equal(existsSync(a), false, 'an unknown system\'s directory is swept');
    assert.ok(existsSync(b), 'a known system\'s directory stays');
    removeDevDir(b);
    assert.equal(existsSync(b), false);
  } finally { rmSync(state, { recursive: true, force: true }); }
});

test('mount table: fields with blanks, backslashes and # are escaped as libmount reads them', () => {
  assert.equal(mangle('/a b\tc\\d#e'), '/a\\040b\\011c\\134d\\043e');
  assert.equal(fstabText([{ source: '/x y', target: '/r/x y', type: 'none', options: ['bind', 'ro'], optional: true }]),
    '/x\\040y /r/x\\040y none bind,ro,nofail 0 0\n');
});

test('mount list for the namespace helper: mount(2) flags, optional, source, target, type, data; NUL-separated', () => {
  const text = mountListText([
    { source: '/x y', target: '/r/x y', type: 'none', options: ['bind', 'ro'], optional: true },
    { source: 'proc', target: '/r/proc', type: 'proc', options: ['nosuid', 'nodev', 'noexec'] },
    { source: 'overlay', target: '/r/usr', type: 'overlay', options: ['ro', 'lowerdir=/r/usr:/usr'] },
  ]);
  assert.deepEqual(text.split('\0'), [
    String(4096 | 1), '1', '/x y', '/r/x y', 'none', '',
    String(2 | 4 | 8), '0', 'proc', '/r/proc', 'proc', '',
    '1', '0', 'overlay', '/r/usr', 'overlay', 'lowerdir=/r/usr:/usr',
    '',
  ]);
});
