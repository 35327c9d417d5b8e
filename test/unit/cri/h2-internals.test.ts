/**
 * Node 20's http2 stream internals (src/cri/h2-internals.ts), found once for the prebuilt response headers and the
 * one-write answer: all found on a real Node 20 stream; any one missing, none is used (both then answer through the
 * public API); the sent-headers symbol is learned after a `respond`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerHttp2Stream } from 'node:http2';
import { findInternals, h2Internals, learnSentHeaders } from '../../../src/cri/h2-internals.js';
import { serveStreams } from '../../helpers/h2-streams.js';

/** Runs `fn` on the server side of one real stream. */
const onStream = (fn: (s: ServerHttp2Stream) => void): Promise<void> => serveStreams(1, (stream) => {
  fn(stream);
  if (!stream.headersSent) stream.respond({ ':status': 200 });
  stream.end();
});

test('on Node 20 every internal is found on a stream, and the sent-headers symbol once it has responded', { skip: !process.versions.node.startsWith('20.') }, async () => {
  await onStream((stream) => {
    const i = findInternals(stream);
    assert.ok(i, 'found');
    assert.deepEqual([i.handle.description, i.state.description, i.updateTimer.description, i.sent], ['kHandle', 'state', 'kUpdateTimer', undefined]);
    assert.equal(h2Internals(stream)?.handle, i.handle, 'the process-wide lookup finds the same');
    stream.respond({ ':status': 200 });
    learnSentHeaders(stream);
    assert.equal(h2Internals(stream)?.sent?.description, 'sent-headers');
  });
});

/** A stream-shaped object with every internal, less the ones named in `without`. */
function fakeStream(without: string[]): ServerHttp2Stream {
  const has = (k: string) => !without.includes(k);
  const proto = has('kUpdateTimer') ? { [Symbol('kUpdateTimer')]: () => undefined } : {};
  const s = Object.create(proto) as Record<string | symbol, unknown>;
  const handle: Record<string, unknown> = {};
  if (has('respond')) handle.respond = () => 0;
  if (has('trailers')) handle.trailers = () => 0;
  if (has('kHandle')) s[Symbol('kHandle')] = handle;
  if (has('state')) s[Symbol('state')] = has('flags') ? { flags: 0 } : {};
  if (has('_write')) s._write = () => undefined;
  if (has('_final')) s._final = () => undefined;
  return s as unknown as ServerHttp2Stream;
}

test('with any one internal missing none is used: both callers take the public path', () => {
  assert.ok(findInternals(fakeStream([])), 'all present');
  for (const missing of ['kHandle', 'state', 'flags', 'kUpdateTimer', 'respond', 'trailers', '_write', '_final']) {
    assert.equal(findInternals(fakeStream([missing])), null, missing);
  }
});
