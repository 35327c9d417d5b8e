/** The bench's CPU figures from /proc: one parser (with or without waited-for children); a process that exits between two snapshots never makes the sum negative. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuTicks, cpuSnapshot, cpuUsed } from '../../../bench/lib/procs.js';

test('cpuTicks: own ticks, plus children with the option; undefined for a process that is gone', () => {
  const own = cpuTicks(process.pid);
  const all = cpuTicks(process.pid, { children: true });
  assert.ok(own !== undefined && all !== undefined && all >= own);
  assert.equal(cpuTicks(2 ** 30), undefined);
  assert.deepEqual([...cpuSnapshot([process.pid, 2 ** 30]).keys()], [process.pid]);
});

test('cpuUsed: per process still alive, new ones from 0, exited ones left out', () => {
  const before = new Map([[1, 500], [2, 100]]);
  // 1 exited (its 500 ticks are not a drop), 2 used 30, 3 started and used 7.
  assert.equal(cpuUsed(before, new Map([[2, 130], [3, 7]])), 37);
  assert.equal(cpuUsed(before, new Map()), 0);
});
