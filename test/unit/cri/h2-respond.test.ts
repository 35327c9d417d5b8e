/**
 * Response headers from a prebuilt native list (src/cri/h2-respond.ts): on Node 20 the list handed to the stream's
 * native respond is the one Node's own `respond` builds for the same headers (date included), and the stream is
 * left as `respond` leaves it (headersSent, sentHeaders); a stream already answered is not answered again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prebuiltHeaders, respondPrebuilt } from '../../../src/cri/h2-respond.js';
import { learnSentHeaders } from '../../../src/cri/h2-internals.js';
import { serveStreams } from '../../helpers/h2-streams.js';

const FIELDS = { ':status': 200, 'content-type': 'application/grpc+proto', 'grpc-accept-encoding': 'identity,deflate,gzip', 'grpc-encoding': 'identity' };

/** Serves two streams: the first with `respond` (the reference), the second with the prebuilt list; what each handed the native layer. */
async function twoStreams(): Promise<{ lists: unknown[]; prebuilt: boolean; after: { headersSent: boolean; sent: unknown; again: boolean } }> {
  const h = prebuiltHeaders(FIELDS);
  const lists: unknown[] = [];
  let prebuilt = false;
  let after = { headersSent: false, sent: undefined as unknown, again: true };
  await serveStreams(2, (stream) => {
    const handle = (stream as unknown as Record<symbol, { respond(l: unknown, o: number): number }>)[Object.getOwnPropertySymbols(stream).find((s) => s.description === 'kHandle')!]!;
    const orig = handle.respond;
    handle.respond = function (l, o) { lists.push([l, o]); return orig.call(this, l, o); };
    if (lists.length === 0 && !prebuilt && stream.id === 1) {
      stream.respond(FIELDS, { waitForTrailers: true });
      learnSentHeaders(stream);
    } else {
      prebuilt = respondPrebuilt(stream, h);
      if (!prebuilt) stream.respond(FIELDS, { waitForTrailers: true });
      after = { headersSent: stream.headersSent, sent: { ...stream.sentHeaders }, again: respondPrebuilt(stream, h) };
    }
    stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end();
  });
  return { lists, prebuilt, after };
}

test('the prebuilt list is what respond builds, and the stream is left as respond leaves it', { skip: !process.versions.node.startsWith('20.') }, async () => {
  let r = await twoStreams();
  // the two lists carry the date of their second: run again if a second boundary fell between them
  for (let i = 0; i < 5 && JSON.stringify(r.lists[0]).match(/date\\u0000([^\\]*)/)?.[1] !== JSON.stringify(r.lists[1]).match(/date\\u0000([^\\]*)/)?.[1]; i++) r = await twoStreams();
  assert.equal(r.prebuilt, true, 'the prebuilt path is used on Node 20');
  assert.deepEqual(r.lists[1], r.lists[0]);
  assert.equal(r.after.headersSent, true);
  assert.equal((r.after.sent as Record<string, unknown>)['content-type'], 'application/grpc+proto');
  assert.match(String((r.after.sent as Record<string, unknown>).date), /GMT$/);
  assert.equal(r.after.again, false, 'headers are sent once');
});

test('prebuilt headers refuse what they were not read against', () => {
  assert.throws(() => prebuiltHeaders({ ':status': 204 }));
  assert.throws(() => prebuiltHeaders({ ':status': 200, date: 'x' }));
  assert.throws(() => prebuiltHeaders({ ':status': 200, 'Content-Type': 'x' }));
});
