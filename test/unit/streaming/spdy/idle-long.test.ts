/** A streaming idle timeout past setTimeout's longest delay (streaming.idleTimeoutSeconds) does not close at once. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { SpdyConnection } from '../../../../src/streaming/spdy/connection.js';

test('a SPDY connection with a 30-day idle timeout stays open instead of closing at once', async () => {
  const socket = new PassThrough();
  const warnings: string[] = [];
  const conn = new SpdyConnection(socket, { idleTimeoutMs: 30 * 24 * 3600 * 1000, onStream: () => undefined, onWarning: (m) => warnings.push(m) });
  // A timer armed after the idle timer runs after it when that one was cut to 1 ms (the old behaviour).
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(warnings, [], 'no idle timeout');
  assert.equal(conn.isOpen, true);
  conn.destroy();
  assert.equal(conn.isOpen, false);
});
