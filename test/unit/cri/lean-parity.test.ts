/**
 * The lean unary path (src/cri/lean/) against grpc-js for the same requests, seen by Node's http2 client: equal
 * response headers, messages and trailers for answers, handler errors, undecodable requests, every request check
 * grpc-js makes (grpc-timeout, message count and size, compressed flag, answer size), and requests the lean path
 * leaves to grpc-js (wrong content-type, gzip); and that the lean path, not grpc-js, served the ones routed to it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import type * as grpc from '@grpc/grpc-js';
import { notFound } from '../../../src/errors.js';
import { grpcMessage } from '../../helpers/h2.js';
import { leanServer, rawCall, svc, type RawCall } from '../../helpers/lean-server.js';
import { versionOf, type VersionReq, type VersionRes } from '../../helpers/version-service.js';
import type { LeanFn } from '../../../src/cri/handler.js';
import type { RawAnswer } from '../../helpers/grpc-unary-raw.js';

const req = (version: string): Buffer => grpcMessage(svc.request({ version }));

interface Both { lean: RawAnswer | undefined; grpcJs: RawAnswer | undefined; leanCalls: number }

/** `call` on a lean server and on a grpc-js-only one; `served`: whether the lean path should have taken it. */
async function both(call: RawCall, o: { fn?: LeanFn<VersionReq, VersionRes>; options?: grpc.ServerOptions } = {}): Promise<Both> {
  const out: Partial<Both> = {};
  for (const lean of [true, false]) {
    const s = await leanServer(lean, o.fn, o.options);
    try {
      const a = await rawCall(s.session, call);
      if (lean) { out.lean = a; out.leanCalls = s.leanCalls(); } else out.grpcJs = a;
    } finally {
      await s.close();
    }
  }
  return out as Both;
}

function same(b: Both, what: string): RawAnswer {
  assert.ok(b.lean && b.grpcJs, `${what}: both answered`);
  assert.deepEqual(b.lean.headers, b.grpcJs.headers, `${what}: headers`);
  assert.deepEqual(b.lean.trailers, b.grpcJs.trailers, `${what}: trailers`);
  assert.deepEqual(b.lean.messages.map((m) => svc.decode(m)), b.grpcJs.messages.map((m) => svc.decode(m)), `${what}: messages`);
  return b.lean;
}

test('answers: small, ~300 KB, asynchronous, split across DATA frames, compressed flag with identity', async () => {
  const cases: [string, RawCall, LeanFn<VersionReq, VersionRes>?][] = [
    ['small', { chunks: [req('v1')], headers: { 'grpc-timeout': '10S' } }],
    // Not printable ASCII: grpc-js drops the header as an illegal metadata value and serves without a deadline.
    ['grpc-timeout not ASCII', { chunks: [req('v1')], headers: { 'grpc-timeout': 'soon\u00e9' } }],
    ['grpc-timeout not ASCII, a unit in it', { chunks: [req('v1')], headers: { 'grpc-timeout': '5S\u00e9' } }],
    ['big', { chunks: [req('big')] }],
    ['async handler', { chunks: [req('v2')] }, async (r) => { await new Promise((ok) => setTimeout(ok, 20)); return versionOf(r); }],
    ['split prefix', { chunks: (() => { const m = req('v3'); return [m.subarray(0, 2), m.subarray(2, 7), m.subarray(7)]; })() }],
    ['compressed flag, identity', { chunks: [Buffer.concat([Buffer.from([1]), req('v4').subarray(1)])], headers: { 'grpc-encoding': 'identity' } }],
  ];
  for (const [what, call, fn] of cases) {
    const b = await both(call, { fn });
    const r = same(b, what);
    assert.equal(b.leanCalls, 1, `${what}: served by the lean path`);
    assert.deepEqual(r.trailers, { 'grpc-status': '0', 'grpc-message': 'OK' }, what);
    assert.equal(r.messages.length, 1, what);
  }
});

test('errors: handler error, throw, undecodable request, bad grpc-timeout, no message, two messages, sizes', async () => {
  const missing: LeanFn<VersionReq, VersionRes> = () => { throw notFound('pod "x" not found; list pods with crictl pods'); };
  const cases: [string, RawCall, string, { fn?: LeanFn<VersionReq, VersionRes>; options?: grpc.ServerOptions }?][] = [
    ['handler error', { chunks: [req('v')] }, '5', { fn: missing }],
    ['undecodable', { chunks: [grpcMessage(Buffer.from([0xff, 0xff, 0xff]))] }, '3'],
    ['bad grpc-timeout', { chunks: [req('v')], headers: { 'grpc-timeout': 'soon' } }, '13'],
    ['no message', { chunks: [] }, '12'],
    ['partial message only', { chunks: [req('v').subarray(0, 6)] }, '12'],
    ['two messages', { chunks: [req('a'), req('b')] }, '12'],
    ['request over the limit', { chunks: [req('v'.repeat(100))] }, '8', { options: { 'grpc.max_receive_message_length': 50 } }],
    ['answer over the limit', { chunks: [req('big')] }, '8', { options: { 'grpc.max_send_message_length': 1000 } }],
  ];
  for (const [what, call, code, o] of cases) {
    const r = same(await both(call, o), what);
    assert.equal(r.trailers['grpc-status'], code, `${what}: ${JSON.stringify(r.trailers)}`);
  }
});

test('a deadline passing before the request ends: DEADLINE_EXCEEDED as grpc-js sends it', async () => {
  const r = same(await both({ chunks: [req('v')], end: false, headers: { 'grpc-timeout': '100m' } }), 'deadline');
  assert.deepEqual(r.trailers, { 'grpc-status': '4', 'grpc-message': 'Deadline%20exceeded' });
});

test('a handler answering after the deadline: DEADLINE_EXCEEDED as grpc-js sends it', async () => {
  // The lean path watches the deadline on a shared timer (src/cri/lean/deadlines.ts), not a timer per call: a call
  // not answered in its own turn must still end at its deadline.
  const fn: LeanFn<VersionReq, VersionRes> = (r) => new Promise((res) => setTimeout(() => res(versionOf(r)), 400));
  const r = same(await both({ chunks: [req('v')], headers: { 'grpc-timeout': '100m' } }, { fn }), 'late answer');
  assert.deepEqual(r.trailers, { 'grpc-status': '4', 'grpc-message': 'Deadline%20exceeded' });
});

test('left to grpc-js: a wrong content-type, a gzip request (answered alike, not by the lean path)', async () => {
  const gz = zlib.gzipSync(svc.request({ version: 'gz' }));
  const prefix = Buffer.alloc(5);
  prefix[0] = 1;
  prefix.writeUInt32BE(gz.length, 1);
  const cases: [string, RawCall][] = [
    ['text/plain', { chunks: [req('v')], headers: { 'content-type': 'text/plain' } }],
    ['gzip', { chunks: [Buffer.concat([prefix, gz])], headers: { 'grpc-encoding': 'gzip' } }],
  ];
  for (const [what, call] of cases) {
    const b = await both(call);
    same(b, what);
    assert.equal(b.leanCalls, 0, `${what}: left to grpc-js`);
  }
});

test('a call cancelled before its request ends runs no handler; the connection serves the next call', async () => {
  let ran = 0;
  const s = await leanServer(true, (r) => { ran++; return versionOf(r); });
  try {
    assert.equal(await rawCall(s.session, { chunks: [req('v').subarray(0, 4)], cancel: true }), undefined);
    const a = await rawCall(s.session, { chunks: [req('after')] });
    assert.equal(a?.trailers['grpc-status'], '0');
    assert.equal(ran, 1);
    assert.equal(s.leanCalls(), 1);
  } finally {
    await s.close();
  }
});
