import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, realpathSync } from 'node:fs';
import { releaseBinaryPages, parseSmaps, droppable } from '../../../src/util/binary-pages.js';

// Needs libc.so.6 through koffi, as native-trim.ts does: glibc Linux only.
const glibc = process.platform === 'linux' && !!(process.report?.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime;

function exeRssKiB(): number {
  const exe = realpathSync(process.execPath);
  return parseSmapsRss(readFileSync('/proc/self/smaps', 'utf8'), exe);
}

function parseSmapsRss(text: string, exe: string): number {
  let kib = 0;
  let inExe = false;
  for (const l of text.split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(l)) inExe = l.endsWith(exe);
    else if (inExe && l.startsWith('Rss:')) kib += Number(/\d+/.exec(l)![0]);
  }
  return kib;
}

test('droppable keeps only read-only mappings of the executable with no copied-on-write page', () => {
  const text = [
    '00400000-00500000 r--p 00000000 08:01 1 /usr/bin/node', 'Anonymous:             0 kB',
    '00500000-00900000 r-xp 00100000 08:01 1 /usr/bin/node', 'Anonymous:             0 kB',
    '00900000-00a00000 r--p 00500000 08:01 1 /usr/bin/node', 'Anonymous:            12 kB',
    // RELRO swapped out: no anonymous page in memory, but its relocated contents live in swap.
    '00a10000-00a20000 r--p 00610000 08:01 1 /usr/bin/node', 'Anonymous:             0 kB', 'Swap:                 8 kB',
    '00a00000-00a10000 rw-p 00600000 08:01 1 /usr/bin/node', 'Anonymous:            64 kB',
    '7f0000000000-7f0000100000 r-xp 00000000 08:01 2 /usr/lib/libc.so.6', 'Anonymous:             0 kB',
    '7f0000200000-7f0000300000 rw-p 00000000 00:00 0 ', 'Anonymous:          1024 kB',
  ].join('\n');
  const got = droppable(parseSmaps(text), '/usr/bin/node').map((m) => `${m.start.toString(16)} ${m.perms}`);
  assert.deepEqual(got, ['400000 r--p', '500000 r-xp']);
});

test('releaseBinaryPages unmaps the executable\'s clean pages and the process keeps running', { skip: !glibc && 'glibc Linux only' }, () => {
  const before = exeRssKiB();
  const n = releaseBinaryPages();
  const after = exeRssKiB();
  assert.ok(n >= 2, `dropped ${n} mappings`);
  assert.ok(after < before, `node binary RSS ${before} KiB → ${after} KiB`);
  // Code and read-only data come back from the page cache on use: the process still computes as before.
  assert.equal(JSON.stringify(JSON.parse('{"a":[1,2,3]}')), '{"a":[1,2,3]}');
  assert.equal(new Intl.NumberFormat('en-US').format(1234567.5), '1,234,567.5');
  assert.equal(exeRssKiB() > 0, true);
});
