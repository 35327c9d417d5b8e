/**
 * The Windows Event Log writer (src/platform/windows/event-log.ts + ffi/eventlog.ts) against a C library with
 * advapi32's exports (test/ffi/fakeeventlog.c), alone and fed by the logger through the error sink.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPinned, winapi } from '../../src/platform/windows/ffi/index.js';
import { openWindowsEventLog, EVENT_ID_ERROR } from '../../src/platform/windows/event-log.js';
import { addLogTap, logger, setLogSink } from '../../src/util/log.js';
import { eventLogSink } from '../../src/util/event-log-sink.js';
import { REDACTED } from '../../src/util/redact.js';
import { buildFakeSource } from './fakelib.js';

const so = buildFakeSource('fakeeventlog.c');
const libraries = { advapi32: so, kernel32: so };
const lib = loadPinned(so, so);
const f = {
  length: winapi(lib, 'FakeEventsLength', 'uint64', []),
  read: winapi(lib, 'FakeEventsRead', 'uint64', ['void *', 'uint64']),
  open: winapi(lib, 'FakeEventSourcesOpen', 'int', []),
  bad: winapi(lib, 'FakeEventBadHandles', 'int', []),
};
interface Ev { source: string; type: number; category: number; id: number; sid: boolean; data: number; strings: string[] }
function events(): Ev[] {
  const n = Number(f.length());
  const buf = Buffer.alloc(n);
  const got = Number(f.read(buf, BigInt(n)));
  return buf.subarray(0, got).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ev);
}

test('event log: RegisterEventSourceW / ReportEventW (one UTF-16 string, error type) / DeregisterEventSource', () => {
  const before = events().length;
  const w = openWindowsEventLog({ libraries });
  assert.ok(w);
  assert.equal(f.open(), 1);
  const text = 'daemon: pull failed "x" — Grüße 😀\r\nimage: mcr.microsoft.com/windows/nanoserver:ltsc2022';
  w.error(text);
  w.close();
  w.close(); // idempotent: one DeregisterEventSource
  w.error('after close'); // dropped, not reported on a closed handle
  assert.equal(f.open(), 0);
  assert.equal(f.bad(), 0);
  assert.deepEqual(events().slice(before), [{ source: 'wincri', type: 1, category: 0, id: EVENT_ID_ERROR, sid: false, data: 0, strings: [text] }]);
  assert.equal(openWindowsEventLog({ libraries, source: 'refused' }), undefined, 'a refused source gives no writer');
});

test('event log: logger errors reach it redacted and rate-limited; other levels do not', (t) => {
  const w = openWindowsEventLog({ libraries })!;
  let clock = 0;
  const restoreSink = setLogSink(() => undefined);
  const removeTap = addLogTap(eventLogSink(w, { burst: 3, windowMs: 1000, now: () => clock }));
  t.after(() => { removeTap(); restoreSink(); w.close(); });
  const before = events().length;
  const log = logger('daemon');
  log.info('RunPodSandbox');
  log.warn('slow pull');
  log.error('image pull failed', { image: 'registry.example/app:1', password: 'hunter2', auth: 'Basic dXNlcjpodW50ZXIy' });
  for (let i = 0; i < 50; i++) log.error('storm', { n: i });
  clock = 1000;
  log.error('after the storm');
  const got = events().slice(before).map((e) => e.strings[0]!);
  assert.equal(got.length, 5, got.join('\n---\n'));
  assert.match(got[0]!, /^daemon: image pull failed\r\nimage: registry\.example\/app:1\r\npassword: /);
  assert.ok(!got.join('').includes('hunter2') && !got.join('').includes('dXNlcjpodW50ZXIy'), 'no credential reaches the Event Log');
  assert.ok(got[0]!.includes(REDACTED));
  assert.deepEqual(got.slice(1, 3), ['daemon: storm\r\nn: 0', 'daemon: storm\r\nn: 1']);
  assert.match(got[3]!, /48 more error\(s\) were not written to the Event Log/);
  assert.equal(got[4], 'daemon: after the storm');
});
