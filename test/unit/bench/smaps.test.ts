/** The soak's split of RSS by mapping kind (bench/soak/smaps.ts): [heap] is the C heap's main arena, inode or path is file-backed, the rest anonymous. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSmaps, rssParts } from '../../../bench/soak/smaps.js';

const SMAPS = `00400000-00c00000 r-xp 00000000 08:01 1234                       /usr/bin/node
Size:               8192 kB
Rss:                5000 kB
01000000-02000000 rw-p 00000000 00:00 0                          [heap]
Size:              16384 kB
Rss:                3000 kB
7f0000000000-7f0000400000 rw-p 00000000 00:00 0 
Size:               4096 kB
Rss:                1200 kB
7f0000400000-7f0000500000 rw-s 00000000 00:05 99                 /memfd:x (deleted)
Rss:                  64 kB
7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0                  [stack]
Rss:                  40 kB
`;

test('parseSmaps: brk heap, anonymous (stack included) and file-backed (memfd included) pages', () => {
  assert.deepEqual(parseSmaps(SMAPS), { brkKiB: 3000, anonKiB: 1240, fileKiB: 5064 });
});

test('rssParts: this process has all three; a gone process has none', () => {
  const p = rssParts(process.pid);
  assert.ok(p.brkKiB >= 0 && p.anonKiB > 0 && p.fileKiB > 0, JSON.stringify(p));
  assert.deepEqual(rssParts(2 ** 30), { brkKiB: 0, anonKiB: 0, fileKiB: 0 });
});
