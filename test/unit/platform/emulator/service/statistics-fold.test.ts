/** Statistics (statistics.ts): the accounting of processes no longer seen is folded into one sum, totals unchanged. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statistics } from '../../../../../src/platform/emulator/service/statistics.js';
import type { SystemRecord } from '../../../../../src/platform/emulator/service/records.js';
import { TICK_100NS, readStat } from '../../../../../src/platform/emulator/service/procfs.js';

const entry = (n: number) => ({ u: n, k: 2 * n, rOps: 3 * n, wOps: 4 * n, rB: 5 * n, wB: 6 * n });

test('statistics: exited processes\' samples fold into one entry; the totals stay the same', () => {
  const s = {
    id: 'x', document: {}, state: 'Running', createdAt: new Date().toISOString(), processes: [],
    acct: { '101:5': entry(1), '102:7': entry(10), gone: entry(100) },
  } as unknown as SystemRecord;
  // No group to scan: none of the accounted processes is seen any more.
  const first = statistics(s, new Set());
  assert.deepEqual(Object.keys(s.acct!), ['gone']);
  assert.deepEqual(s.acct!.gone, entry(111));
  const second = statistics(s, new Set());
  for (const st of [first, second]) {
    assert.equal(st.Processor?.RuntimeUser100ns, 111 * TICK_100NS);
    assert.equal(st.Storage?.WriteSizeBytes, 666);
  }
});

test('statistics: a live process a scan missed keeps its entry, so seen again it is not counted twice', () => {
  const me = readStat(process.pid)!;
  const big = 1e9; // above any real sample: the entry's maximum stays this
  const s = {
    id: 'y', document: {}, state: 'Running', createdAt: new Date().toISOString(), processes: [],
    acct: { [`${process.pid}:${me.starttime}`]: { u: big, k: 0, rOps: 0, wOps: 0, rB: 0, wB: 0 } },
  } as unknown as SystemRecord;
  // Missed (as when the cgroup could not be read): still there, not folded.
  statistics(s, new Set());
  assert.deepEqual(Object.keys(s.acct!), [`${process.pid}:${me.starttime}`]);
  // Seen again through its process group: its counters count once.
  const st = statistics(s, new Set([me.pgrp]));
  assert.ok(st.Processor!.RuntimeUser100ns! < 2 * big * TICK_100NS, `user time ${st.Processor!.RuntimeUser100ns} counts the process once`);
});
