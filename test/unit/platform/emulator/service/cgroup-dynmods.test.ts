/** The favordynmods hierarchy (cgroup-dynmods.ts): when it is mounted, and that no mount is left behind. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernelAtLeast, mountDynmods, unmountDynmods, dynmodsFacts } from '../../../../../src/platform/emulator/service/cgroup-dynmods.js';
import { cgroupSupport } from '../../../../../src/platform/emulator/service/cgroup-support.js';

const mountsUnder = (dir: string) => readFileSync('/proc/self/mounts', 'utf8').split('\n').filter((l) => l.split(' ')[1]?.startsWith(dir));

test('kernel releases compare by major and minor', () => {
  assert.equal(kernelAtLeast('6.1.0-18-amd64', 6, 1), true);
  assert.equal(kernelAtLeast('6.18.2', 6, 18), true);
  assert.equal(kernelAtLeast('6.9.1', 6, 18), false);
  assert.equal(kernelAtLeast('5.15.0', 6, 1), false);
  assert.equal(kernelAtLeast('7.0', 6, 18), true);
  assert.equal(kernelAtLeast('junk', 6, 1), false);
});

test('off unless opted in (a host-wide switch); cgroup v2: nothing is mounted and the reason is told', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dynmods-'));
  const was = process.env.WINCRI_EMULATOR_FAVORDYNMODS;
  try {
    delete process.env.WINCRI_EMULATOR_FAVORDYNMODS;
    const off = mountDynmods(dir, 1);
    assert.equal(off.Applied, false);
    assert.match(off.Reason!, /WINCRI_EMULATOR_FAVORDYNMODS=1 turns it on/);
    assert.deepEqual(mountsUnder(dir), []);
    process.env.WINCRI_EMULATOR_FAVORDYNMODS = '1';
    assert.match(mountDynmods(dir, 2).Reason!, /cgroup v2|not root/);
  } finally {
    if (was === undefined) delete process.env.WINCRI_EMULATOR_FAVORDYNMODS; else process.env.WINCRI_EMULATOR_FAVORDYNMODS = was;
    rmSync(dir, { recursive: true, force: true });
  }
});

const v1Root = process.getuid?.() === 0 && cgroupSupport()?.version === 1 && kernelAtLeast(release(), 6, 1);
// From 6.18 the mount flips a one-way, host-wide switch: the test runs there only when the one running it opted in
// (WINCRI_EMULATOR_FAVORDYNMODS=1, e.g. on a host already switched this boot); before 6.18 nothing outlives it.
const oneWay = kernelAtLeast(release(), 6, 18);
const optedIn = process.env.WINCRI_EMULATOR_FAVORDYNMODS === '1';
const skipMount = !v1Root ? 'needs root, cgroup v1, Linux >= 6.1'
  : oneWay && !optedIn ? 'Linux >= 6.18: mounting flips a host-wide switch until reboot; set WINCRI_EMULATOR_FAVORDYNMODS=1 to run it (a host already switched this boot loses nothing)' : false;

test('opted in as root on cgroup v1: mounted with favordynmods, and no mount outlives stop (none at all from 6.18)', { skip: skipMount }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dynmods-'));
  const was = process.env.WINCRI_EMULATOR_FAVORDYNMODS;
  process.env.WINCRI_EMULATOR_FAVORDYNMODS = '1';
  try {
    const f = mountDynmods(dir, 1);
    assert.equal(f.Applied, true, f.Reason);
    if (kernelAtLeast(release(), 6, 18)) assert.deepEqual(mountsUnder(dir), []);
    else assert.match(mountsUnder(dir)[0] ?? '', /favordynmods/);
    unmountDynmods();
    assert.deepEqual(mountsUnder(dir), []);
    assert.equal(dynmodsFacts().Path, undefined);
  } finally {
    if (was === undefined) delete process.env.WINCRI_EMULATOR_FAVORDYNMODS;
    rmSync(dir, { recursive: true, force: true });
  }
});
