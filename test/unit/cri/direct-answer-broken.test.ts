/**
 * A direct answer (src/cri/direct-answer.ts) that breaks after its headers left: the stream is reset, and the
 * edge records and logs the call as INTERNAL, not OK. The call is a stand-in with grpc-js 1.14's server-call
 * fields whose stream accepts the headers and then refuses the body.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { wrapUnary } from '../../../src/cri/handler.js';
import { answerDirectly } from '../../../src/cri/direct-answer.js';
import { createRpcMetrics } from '../../../src/cri/rpc-metrics.js';
import type { CriContext } from '../../../src/cri/context.js';

function breakingCall(): { call: unknown; stream: { headersSent: boolean; destroyed: Error | null } } {
  const stream = {
    headersSent: false, destroyed: null as Error | null, closed: false,
    respond() { this.headersSent = true; },
    once() { return this; },
    write() { throw new Error('write after the headers failed'); },
    end() { throw new Error('write after the headers failed'); },
    destroy(e: Error) { this.destroyed = e; },
  };
  const serverCall = { stream, metadataSent: false, wantTrailers: false, maxSendMessageSize: -1, callEventTracker: undefined, shouldSendMetrics: false, deadline: Infinity };
  return { call: { call: serverCall, request: {} }, stream };
}

test('answerDirectly: failed once the headers left, the stream reset', () => {
  const { call, stream } = breakingCall();
  assert.equal(answerDirectly(call, Buffer.from([0, 0, 0, 0, 0])), 'failed');
  assert.match(String(stream.destroyed), /write after the headers failed/);
});

test('the handler records such a call as INTERNAL and does not call back', async () => {
  const ctx = { isReady: () => true, metrics: createRpcMetrics(new Registry()) } as unknown as CriContext;
  const h = wrapUnary('RuntimeService', 'Version', ctx, () => ({ version: '0.1.0' }), () => Buffer.from('x'));
  const { call } = breakingCall();
  let calledBack = false;
  h(call as never, () => { calledBack = true; });
  await new Promise((r) => setImmediate(r));
  const codes = ctx.metrics!.method('RuntimeService', 'Version').codes;
  assert.equal(codes.get('INTERNAL'), 1);
  assert.equal(codes.get('OK'), undefined);
  assert.equal(calledBack, false);
});
