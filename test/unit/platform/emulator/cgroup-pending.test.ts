/**
 * A cgroup removal waiting for its last task (cgroup-removal.ts) is dropped when a cgroup is made again at its path
 * (cgroup-pending.ts): a system isolated again after a service restart gets its cgroup where the old isolation's
 * was, and the old removal's retry must not take the new one away once it is empty for a moment. Plain directories
 * stand in for cgroups (rmdir refuses while a file is in them, as the kernel does while a task is).
 */
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeCgroupWhenEmpty } from '../../../../src/platform/emulator/service/cgroup-removal.js';
import { pendingRemovals, reclaimCgroupDirs } from '../../../../src/platform/emulator/service/cgroup-pending.js';

function busyDir(t: { after(fn: () => void): void }): { dir: string; task: string } {
  const root = mkdtempSync(join(tmpdir(), 'wincri-cg-pending-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, 'sys');
  mkdirSync(dir);
  const task = join(dir, 'task');
  writeFileSync(task, '');
  return { dir, task };
}

test('a waiting removal takes the directory once its last task leaves', (t) => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  t.after(() => mock.timers.reset());
  const { dir, task } = busyDir(t);
  removeCgroupWhenEmpty({ version: 2, dirs: [dir] }, () => {});
  assert.ok(existsSync(dir), 'kept while busy');
  rmSync(task);
  mock.timers.tick(100);
  assert.equal(existsSync(dir), false);
  assert.equal(pendingRemovals.size, 0);
});

test('a cgroup made again at the path of a waiting removal is not removed by its retry', (t) => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  t.after(() => mock.timers.reset());
  const { dir, task } = busyDir(t);
  const logged: string[] = [];
  removeCgroupWhenEmpty({ version: 2, dirs: [dir] }, (m) => logged.push(m));
  reclaimCgroupDirs([join(dir, '..', 'other')]);
  assert.equal(pendingRemovals.size, 1, 'another path leaves the removal waiting');
  reclaimCgroupDirs([dir]);
  assert.equal(pendingRemovals.size, 0);
  rmSync(task);
  mock.timers.tick(40_000);
  assert.ok(existsSync(dir), 'the new cgroup stays');
  assert.deepEqual(logged, []);
});
