/**
 * The freezer primitives (cgroup-freeze.ts, freeze-wait.ts, system-pause.ts killFrozenSystem) against the kernel,
 * on each freezer this host has: the v1 freezer hierarchy and a cgroup2 mount (a hybrid host's unified hierarchy
 * counts: cgroup.freeze needs no controller). A frozen cgroup reads frozen once its member is; killFrozenSystem
 * ends a frozen member (a v1 one only dies once thawed) and leaves the cgroup thawed. As root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mounts } from '../../../../../src/platform/emulator/service/cgroup-support.js';
import { freezerOf, readFreezeState, setFrozen } from '../../../../../src/platform/emulator/service/cgroup-freeze.js';
import { waitFrozen } from '../../../../../src/platform/emulator/service/freeze-wait.js';
import { killFrozenSystem } from '../../../../../src/platform/emulator/service/system-pause.js';
import type { SystemRecord } from '../../../../../src/platform/emulator/service/records.js';
import { waitFor } from '../../../../helpers/wait-for.js';

const root = process.getuid?.() === 0;
const v1 = mounts().findLast((m) => m.type === 'cgroup' && m.opts.includes('freezer'))?.dir;
const v2 = mounts().findLast((m) => m.type === 'cgroup2')?.dir;

const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true; } catch { return false; } };

for (const [version, hierarchy] of [[1, v1], [2, v2]] as const) {
  const skip = !root ? 'not root' : !hierarchy ? `no cgroup v${version} freezer here` : false;
  test(`v${version}: freeze reads frozen once its member is; killFrozenSystem ends the frozen member and thaws`, { skip }, async (t) => {
    const dir = join(hierarchy!, `wincri-freeze-test-${process.pid}`);
    mkdirSync(dir);
    const child = spawn('sleep', ['300'], { stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    const pid = child.pid!;
    t.after(async () => {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      try { setFrozen({ version, dir }, false); } catch { /* gone */ }
      await exited;
      await waitFor('the test cgroup empty', () => { try { rmdirSync(dir); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'ENOENT'; } }, { timeoutMs: 5000 });
    });
    writeFileSync(join(dir, 'cgroup.procs'), String(pid));
    const cg = { version, dirs: [dir] };
    const f = freezerOf(cg);
    assert.deepEqual(f, { version, dir });
    assert.equal(readFreezeState(f!), 'thawed');
    setFrozen(f!, true);
    assert.equal(await waitFrozen(f!, readFreezeState, 10_000, () => false), 'frozen');
    const rec = { id: 'x', document: {}, state: 'Paused', createdAt: '', processes: [], isolation: { created: [], cgroup: cg } } as SystemRecord;
    killFrozenSystem(rec, (m) => assert.fail(m));
    assert.equal(readFreezeState(f!), 'thawed');
    await exited;
    assert.equal(alive(pid), false);
  });
}
