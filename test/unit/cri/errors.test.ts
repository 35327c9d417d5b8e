import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { toStatusCode } from '../../../src/cri/errors.js';
import { notFound, invalidArgument, alreadyExists, failedPrecondition, deadlineExceeded, unimplemented } from '../../../src/errors.js';
import { PlatformError, HRESULT } from '../../../src/platform/hresult.js';
import { DocumentError } from '../../../src/platform/hcs/document/index.js';

test('domain and platform errors map to gRPC codes in one table', () => {
  assert.equal(toStatusCode(notFound('x')), status.NOT_FOUND);
  assert.equal(toStatusCode(invalidArgument('x')), status.INVALID_ARGUMENT);
  assert.equal(toStatusCode(alreadyExists('x')), status.ALREADY_EXISTS);
  assert.equal(toStatusCode(failedPrecondition('x')), status.FAILED_PRECONDITION);
  assert.equal(toStatusCode(deadlineExceeded('x')), status.DEADLINE_EXCEEDED);
  assert.equal(toStatusCode(unimplemented('x')), status.UNIMPLEMENTED);
  assert.equal(toStatusCode(new PlatformError(HRESULT.HCS_E_SYSTEM_NOT_FOUND, 'open')), status.NOT_FOUND);
  assert.equal(toStatusCode(new PlatformError(0xc037010e, 'open')), status.NOT_FOUND, 'legacy vmcompute form');
  assert.equal(toStatusCode(new PlatformError(HRESULT.HCS_E_INVALID_JSON, 'create')), status.INVALID_ARGUMENT);
  assert.equal(toStatusCode(new PlatformError(HRESULT.HCS_E_INVALID_STATE, 'start')), status.FAILED_PRECONDITION);
  assert.equal(toStatusCode(new PlatformError(HRESULT.E_FAIL, 'x')), status.INTERNAL);
  assert.equal(toStatusCode(new DocumentError('bad mount')), status.INVALID_ARGUMENT);
  assert.equal(toStatusCode(new Error('boom')), status.INTERNAL);
  const e = new PlatformError(HRESULT.HCS_E_SYSTEM_ALREADY_EXISTS, 'HcsCreateComputeSystem', 'id in use');
  assert.match(e.message, /HcsCreateComputeSystem: HCS_E_SYSTEM_ALREADY_EXISTS \(0x8037010F\): id in use/);
});
