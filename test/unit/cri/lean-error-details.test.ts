/**
 * GRPC_NODE_DEBUG_SEND_ERROR_DETAILS on the lean path (src/cri/lean/details.ts): the status details it makes for
 * a failure inside the call are grpc-js's, with the variable set and without (in a child process each: both read
 * it at load).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { failureDetails } from '../../../src/cri/lean/details.js';

const SCRIPT = fileURLToPath(new URL('../../helpers/lean-error-details.js', import.meta.url));

interface Seen { trailers: Record<string, string>; leanCalls: number }

function run(flag: string | undefined): { lean: Seen; grpcJs: Seen } {
  const env = { ...process.env };
  if (flag === undefined) delete env.GRPC_NODE_DEBUG_SEND_ERROR_DETAILS; else env.GRPC_NODE_DEBUG_SEND_ERROR_DETAILS = flag;
  return JSON.parse(execFileSync(process.execPath, [SCRIPT], { env, encoding: 'utf8' })) as { lean: Seen; grpcJs: Seen };
}

test('an answer that cannot be serialized: the same details as grpc-js, with the error message only when asked', () => {
  for (const [flag, details] of [[undefined, 'Error serializing response'], ['false', 'Error serializing response'], ['true', 'Error serializing response: boom']] as const) {
    const r = run(flag);
    assert.equal(r.lean.leanCalls, 1, `${flag}: served by the lean path`);
    assert.deepEqual(r.lean.trailers, r.grpcJs.trailers, `${flag}: as grpc-js`);
    assert.deepEqual(r.lean.trailers, { 'grpc-status': '13', 'grpc-message': encodeURI(details) }, `${flag}`);
  }
});

test('the texts of each failure, with and without details', () => {
  const e = new Error('bad');
  assert.equal(failureDetails('threw', e, false), 'Unknown error');
  assert.equal(failureDetails('threw', e, true), 'Server method handler threw error bad');
  assert.equal(failureDetails('deserialize', e, false), 'Error deserializing request');
  assert.equal(failureDetails('deserialize', e, true), 'Error deserializing request: bad');
  assert.equal(failureDetails('serialize', e, true), 'Error serializing response: bad');
  assert.equal(failureDetails('serialize', 'not an Error', true), 'Error serializing response: not an Error');
});
