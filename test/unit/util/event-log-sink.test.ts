import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addLogTap, logger, setLogSink, setLogLevel } from '../../../src/util/log.js';
import { eventLogSink, MAX_EVENT_CHARS, type EventLogWriter } from '../../../src/util/event-log-sink.js';

/** An in-memory event log (the Windows one is tested against the C library in test/ffi/eventlog.test.ts). */
class MemoryEventLog implements EventLogWriter {
  readonly events: string[] = [];
  failing = false;
  error(message: string): void { if (this.failing) throw new Error('event log full'); this.events.push(message); }
  close(): void { /* nothing to release */ }
}

function setup(t: { after(fn: () => void): void }, opts: Parameters<typeof eventLogSink>[1]) {
  const lines: string[] = [];
  const ev = new MemoryEventLog();
  setLogLevel('debug');
  const restore = setLogSink((l) => lines.push(l));
  const remove = addLogTap(eventLogSink(ev, opts));
  t.after(() => { remove(); restore(); setLogLevel('info'); });
  return { ev, lines, log: logger('cri') };
}

test('only error lines, with component, message and fields, credentials redacted', (t) => {
  const { ev, lines, log } = setup(t, {});
  log.debug('d'); log.info('i'); log.warn('w');
  log.error('PullImage failed for https://bob:s3cret@registry.example/v2/', { token: 'abc123', pod: 'default/web', error: new Error('401 Unauthorized') });
  assert.equal(lines.length, 4, 'the primary log has every line');
  assert.equal(ev.events.length, 1);
  const [e] = ev.events;
  assert.ok(!e!.includes('s3cret') && !e!.includes('abc123'), e);
  assert.match(e!, /^cri: PullImage failed for https:\/\/\[redacted\]@registry\.example\/v2\/\r\ntoken: \[redacted\]\r\npod: default\/web\r\nerror: 401 Unauthorized$/);
});

test('rate limit: `burst` events per window, the rest summarized once the next window opens', (t) => {
  let now = 10_000;
  const { ev, log } = setup(t, { burst: 2, windowMs: 60_000, now: () => now });
  for (let i = 0; i < 1000; i++) log.error('HcsCreateComputeSystem failed', { i });
  assert.equal(ev.events.length, 2, 'a storm of 1000 errors writes 2 events');
  now += 59_999;
  log.error('still in the window');
  assert.equal(ev.events.length, 2);
  now += 1;
  log.error('next window');
  assert.equal(ev.events.length, 4, 'the summary takes one of the next window\'s events');
  assert.match(ev.events[2]!, /^wincri: 999 more error\(s\) were not written to the Event Log \(rate limit: 2 per 60 s\)/);
  assert.equal(ev.events[3], 'cri: next window');
  log.error('third of the window');
  assert.equal(ev.events.length, 4);
  now += 60_000;
  log.error('quiet again');
  assert.match(ev.events[4]!, /^wincri: 1 more error/);
  assert.equal(ev.events[5], 'cri: quiet again');
});

test('a failing event log never breaks logging; long texts are cut', (t) => {
  const { ev, lines, log } = setup(t, {});
  ev.failing = true;
  log.error('first');
  ev.failing = false;
  log.error('x'.repeat(MAX_EVENT_CHARS * 2));
  assert.equal(lines.length, 2);
  assert.equal(ev.events.length, 1);
  assert.equal(ev.events[0]!.length, MAX_EVENT_CHARS + 1);
});
