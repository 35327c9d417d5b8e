/** Statistics (statistics.ts): the accounting of processes no longer seen is folded into one sum, totals unchanged. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statistics } from '../../../../../src/platform/emulator/service/statistics.js';
import type { SystemRecord } from '../../../../../src/platform/emulator/service/records.js';
import { TICK_100NS } from '../../../../../src/platform/emulator/service/procfs.js';

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
