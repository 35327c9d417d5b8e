/** The favordynmods hierarchy (cgroup-dynmods.ts): when it is mounted, and that no mount is left behind. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernelAtLeast, mountDynmods, unmountDynmods, dynmodsFacts } from '../../../../../src/platform/emulator/service/cgroup-dynmods.js';
import { cgroupSupport } from '../../../../../src/platform/emulator/service/cgroups.js';

test('kernel releases compare by major and minor', () => {
  assert.equal(kernelAtLeast('6.1.0-18-amd64', 6, 1), true);
  assert.equal(kernelAtLeast('6.18.2', 6, 18), true);
  assert.equal(kernelAtLeast('6.9.1', 6, 18), false);
  assert.equal(kernelAtLeast('5.15.0', 6, 1), false);
  assert.equal(kernelAtLeast('7.0', 6, 18), true);
  assert.equal(kernelAtLeast('junk', 6, 1), false);
});

test('cgroup v2, or the switch off: nothing is mounted and the reason is told', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dynmods-'));
  try {
    assert.equal(mountDynmods(dir, 2).Applied, false);
    process.env.WINCRI_EMULATOR_FAVORDYNMODS = '0';
    assert.match(mountDynmods(dir, 1).Reason!, /WINCRI_EMULATOR_FAVORDYNMODS=0/);
  } finally { delete process.env.WINCRI_EMULATOR_FAVORDYNMODS; rmSync(dir, { recursive: true, force: true }); }
});

const mountsUnder = (dir: string) => readFileSync('/proc/self/mounts', 'utf8').split('\n').filter((l) => l.split(' ')[1]?.startsWith(dir));
const v1Root = process.getuid?.() === 0 && cgroupSupport()?.version === 1 && kernelAtLeast(release(), 6, 1);

test('as root on cgroup v1: mounted with favordynmods, and no mount outlives stop (none at all from 6.18)', { skip: !v1Root && 'needs root, cgroup v1, Linux >= 6.1' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dynmods-'));
  try {
    const f = mountDynmods(dir, 1);
    assert.equal(f.Applied, true, f.Reason);
    if (kernelAtLeast(release(), 6, 18)) assert.deepEqual(mountsUnder(dir), []);
    else assert.match(mountsUnder(dir)[0] ?? '', /favordynmods/);
    unmountDynmods();
    assert.deepEqual(mountsUnder(dir), []);
    assert.equal(dynmodsFacts().Path, undefined);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
