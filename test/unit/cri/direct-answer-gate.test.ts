/** When the edge answers on the stream itself (src/cri/direct-answer-gate.ts): by Node and grpc-js versions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { directMode, DIRECT_MODE } from '../../../src/cri/direct-answer-gate.js';

test('one write on Node 20 with grpc-js 1.14.x; the public path on other Node versions', () => {
  assert.equal(directMode('20.20.2', '1.14.7'), 'one-write');
  assert.equal(directMode('v20.0.0', '1.14.0'), 'one-write');
  assert.equal(directMode('22.11.0', '1.14.7'), 'public');
  assert.equal(directMode('18.20.4', '1.14.12'), 'public');
});

test('off with any grpc-js but 1.14.x, or none found', () => {
  for (const v of ['1.15.0', '1.13.4', '1.140.0', '2.0.0', '0.14.1', '1.14.7-pre1', '', undefined]) {
    assert.equal(directMode('20.20.2', v), 'off', `grpc-js ${v}`);
    assert.equal(directMode('22.11.0', v), 'off', `grpc-js ${v}`);
  }
});

test('this process decides from the installed grpc-js', () => {
  const installed = (createRequire(import.meta.url)('@grpc/grpc-js/package.json') as { version: string }).version;
  assert.equal(DIRECT_MODE, directMode(process.versions.node, installed));
});
