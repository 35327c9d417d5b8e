import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { toStatusCode, toServiceError } from '../../../src/cri/errors.js';
import { clientClosed } from '../../../src/platform/emulator/connection-errors.js';
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
  // chaos: StartContainer answered INTERNAL for an attachment closed in its handshake by an emulator kill (now
  // HCS_E_SERVICE_DISCONNECT, as any call the service leaves: emulator/connection-errors.ts).
  assert.equal(toStatusCode(new PlatformError(HRESULT.HCS_E_SERVICE_DISCONNECT, 'AttachStdio')), status.UNAVAILABLE);
  // A client closed on purpose (its owner shutting down) is not the service's failure: UNAVAILABLE, and says so.
  const closed = clientClosed('AttachStdio');
  assert.equal(toStatusCode(closed), status.UNAVAILABLE);
  assert.match(toServiceError(closed).details!, /HCS_E_CONNECTION_CLOSED.*shutting down/);
  assert.equal(toStatusCode(new DocumentError('bad mount')), status.INVALID_ARGUMENT);
  assert.equal(toStatusCode(new Error('boom')), status.INTERNAL);
  const e = new PlatformError(HRESULT.HCS_E_SYSTEM_ALREADY_EXISTS, 'HcsCreateComputeSystem', 'id in use');
  assert.match(e.message, /HcsCreateComputeSystem: HCS_E_SYSTEM_ALREADY_EXISTS \(0x8037010F\): id in use/);
});

test("process creation failures the caller's configuration causes are FailedPrecondition with what to check", async () => {
  const missing = new PlatformError(HRESULT.ERROR_FILE_NOT_FOUND, 'HcsCreateProcess', 'app.exe: the system cannot find the file specified');
  const se = toServiceError(missing);
  assert.equal(se.code, status.FAILED_PRECONDITION);
  assert.match(se.details!, /^the program to run was not found in the container; check the container's command\/args .*: HcsCreateProcess: ERROR_FILE_NOT_FOUND .*app\.exe/);
  const dir = toServiceError(new PlatformError(0x8007010b, 'HcsCreateProcess', 'working directory C:\\app does not exist'));
  assert.equal(dir.code, status.FAILED_PRECONDITION);
  assert.match(dir.details!, /working directory is not a usable directory.*ERROR_DIRECTORY \(0x8007010B\)/);
  assert.equal(toStatusCode(new PlatformError(HRESULT.ERROR_BAD_EXE_FORMAT, 'HcsCreateProcess')), status.FAILED_PRECONDITION);
  // Elsewhere a missing file is still a missing object.
  assert.equal(toStatusCode(new PlatformError(HRESULT.ERROR_FILE_NOT_FOUND, 'HcsImportLayer')), status.NOT_FOUND);
});
