/**
 * End to end: a daemon that has only started — no CRI call but the readiness polls (Status) — runs one compacting
 * collection once it goes quiet (daemon/wire.ts touches the idle collection when the runtime is ready). Polls
 * bring one only once they have grown the heap (util/idle-gc.ts), so what start-up left stayed until the first
 * real work. Seen through V8's GC trace: a gc() call (the idle collection's) is traced with the reason "testing",
 * which nothing else in the daemon gives.
 */
import { test, after } from 'node:test';
import { readFileSync } from 'node:fs';
import { Daemon } from './harness.js';

const d = new Daemon('wincri-e2e', { launcher: ['sh', '-c', 'exec "$0" --trace-gc "$@"'] });
after(() => d.destroy());

test('a daemon with nothing to do compacts its heap once after start-up', async () => {
  await d.start();
  await d.waitFor('a compacting full GC of the idle collection in the daemon\'s GC trace', () => /Mark-Compact[^\n]* testing;/.test(readFileSync(d.logFile, 'utf8')) || undefined, 20000);
});
