/**
 * Calls the edge must not answer on the stream itself (src/cri/direct-answer.ts declines them): grpc-js's callback
 * answers, and the client gets what grpc-js gives, on both of src/cri/h2-one-write.ts's paths — an interceptor,
 * channelz, per-call load reports, metadata the handler already sent, a message over grpc.max_send_message_length.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { forcePublicPathForTests } from '../../../src/cri/h2-one-write.js';
import { rawServer, rawUnary, type RawAnswer } from '../../helpers/grpc-unary-raw.js';
import { versionService, versionOf, VERSION_PATH, type VersionReq } from '../../helpers/version-service.js';
import type { UnaryFn } from '../../../src/cri/handler.js';

const svc = versionService();

/** An interceptor that adds a response header, as one installed in grpc-js's server options would. */
const tagging: grpc.ServerInterceptor = (_method, call) => new grpc.ServerInterceptingCall(call, {
  sendMetadata: (md, next) => { md.set('x-intercepted', 'yes'); next(md); },
});

/** A handler that sends its own response metadata first (call.sendMetadata). */
const sendsMetadata: UnaryFn<VersionReq, ReturnType<typeof versionOf>> = (req, _ctx, call) => {
  const md = new grpc.Metadata();
  md.set('x-handler', 'sent');
  call.sendMetadata(md);
  return versionOf(req);
};

/**
 * Calls `req` with the edge allowed to answer directly (on the one-write and the public path) and without
 * (grpc-js's callback); asserts grpc-js answered each time and every client saw the same; returns that answer.
 */
async function declined(options: grpc.ServerOptions, req: VersionReq, fn?: typeof sendsMetadata): Promise<RawAnswer> {
  const answers: [string, RawAnswer][] = [];
  for (const [name, direct, publicPath] of [['callback', false, false], ['one write', true, false], ['public path', true, true]] as const) {
    const s = await rawServer(svc.def, svc.impl(direct, fn), options);
    forcePublicPathForTests(publicPath);
    try {
      const before = svc.grpcJsSerialized();
      answers.push([name, await rawUnary(s.session, VERSION_PATH, svc.request(req))]);
      assert.equal(svc.grpcJsSerialized() - before, 1, `${name}: grpc-js answered`);
    } finally {
      forcePublicPathForTests(false);
      await s.close();
    }
  }
  const [, ref] = answers[0]!;
  for (const [name, a] of answers) {
    assert.deepEqual(a.headers, ref.headers, `${name}: response headers`);
    assert.deepEqual(a.trailers, ref.trailers, `${name}: trailers`);
    assert.deepEqual(a.messages, ref.messages, `${name}: messages`);
  }
  return ref;
}

const okVersion = (a: RawAnswer): void => {
  assert.equal(a.trailers['grpc-status'], '0');
  assert.deepEqual(svc.decode(a.messages[0]!), versionOf({ version: 'v1' }));
};

test('an interceptor installed: grpc-js answers, with the header the interceptor adds', async () => {
  const a = await declined({ interceptors: [tagging] }, { version: 'v1' });
  assert.equal(a.headers['x-intercepted'], 'yes');
  okVersion(a);
});

test('channelz on: grpc-js answers (and tracks the call)', async () => {
  okVersion(await declined({ 'grpc.enable_channelz': 1 }, { version: 'v1' }));
});

test('per-call load reports on: grpc-js answers, the load report trailer included', async () => {
  const a = await declined({ 'grpc.server_call_metric_recording': 1 }, { version: 'v1' });
  okVersion(a);
  assert.ok('endpoint-load-metrics-bin' in a.trailers, `trailers: ${Object.keys(a.trailers).join(', ')}`);
});

test('metadata sent by the handler: grpc-js answers after it', async () => {
  const a = await declined({}, { version: 'v1' }, sendsMetadata);
  assert.equal(a.headers['x-handler'], 'sent');
  okVersion(a);
});

test('a message over grpc.max_send_message_length: RESOURCE_EXHAUSTED, trailers only', async () => {
  const a = await declined({ 'grpc.max_send_message_length': 1000 }, { version: 'big' });
  assert.equal(a.headers[':status'], '200');
  assert.equal(a.trailers['grpc-status'], String(grpc.status.RESOURCE_EXHAUSTED));
  assert.match(decodeURIComponent(a.trailers['grpc-message'] ?? ''), /larger than max/);
  assert.equal(a.messages.length, 0);
});
