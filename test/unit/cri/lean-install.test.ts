/** When the lean unary path (src/cri/lean/install.ts) is put in front of grpc-js, and which CRI methods it serves. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { leanUnavailable, leanLimits, front, leanConnectionInjector } from '../../../src/cri/lean/install.js';
import { leanRoutes } from '../../../src/cri/lean/routes.js';
import { addCriServices } from '../../../src/cri/server.js';
import type { CriContext } from '../../../src/cri/context.js';

test('used only without channelz and interceptors, and not with WINCRI_GRPC_LEAN=0', () => {
  const plain = new grpc.Server({ 'grpc.enable_channelz': 0 });
  assert.equal(leanUnavailable(plain, {}), undefined);
  assert.equal(leanUnavailable(plain, { WINCRI_GRPC_LEAN: '0' }), 'WINCRI_GRPC_LEAN=0');
  assert.equal(leanUnavailable(new grpc.Server(), {}), 'channelz is on');
  const intercepted = new grpc.Server({ 'grpc.enable_channelz': 0, interceptors: [(_m, call) => call as grpc.ServerInterceptingCall] });
  assert.equal(leanUnavailable(intercepted, {}), 'server interceptors are installed');
});

test('size limits as grpc-js reads them', () => {
  assert.deepEqual(leanLimits({}), { maxReceive: 4 * 1024 * 1024, maxSend: -1 });
  assert.deepEqual(leanLimits({ 'grpc.max_receive_message_length': 16, 'grpc.max_send_message_length': 32 }), { maxReceive: 16, maxSend: 32 });
});

test('the CRI server registers its lean methods as routes; the injector fronts grpc-js only once routes exist', () => {
  const server = new grpc.Server({ 'grpc.enable_channelz': 0 });
  assert.equal(leanConnectionInjector(server, grpc.ServerCredentials.createInsecure()).lean, 'no lean routes');
  addCriServices(server, { isReady: () => true } as unknown as CriContext);
  assert.deepEqual([...leanRoutes(server)!.keys()].sort(), ['/runtime.v1.RuntimeService/ListContainers', '/runtime.v1.RuntimeService/ListPodSandbox',
    '/runtime.v1.RuntimeService/RuntimeConfig', '/runtime.v1.RuntimeService/Version']);
  const { injector, lean } = leanConnectionInjector(server, grpc.ServerCredentials.createInsecure());
  assert.equal(lean, true);
  assert.equal(typeof (server as unknown as Record<string, unknown>).createHttp2Server, 'function', 'grpc-js method restored');
  assert.ok(!Object.hasOwn(server, 'createHttp2Server'), 'no wrapper left on the instance');
  injector.destroy();
  server.forceShutdown();
});

test('front() leaves an HTTP/2 server alone unless it has exactly one stream listener', () => {
  const h2 = http2.createServer();
  assert.equal(front(h2, new Map(), leanLimits({})), false);
  h2.on('stream', () => undefined);
  h2.on('stream', () => undefined);
  assert.equal(front(h2, new Map(), leanLimits({})), false);
  assert.equal(h2.listenerCount('stream'), 2);
});
