/** A CNI failure that HNS caused answers with that HRESULT's code and advice, as the same failure does elsewhere. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status as Status } from '@grpc/grpc-js';
import { CniError } from '../../../src/network/index.js';
import { asRuntimeError, platformCause } from '../../../src/network/cni-cause.js';
import { HRESULT_ADVICE, PLATFORM_RETRY_ADVICE } from '../../../src/platform/hresult-advice.js';
import { toServiceError } from '../../../src/cri/errors.js';

test('the plugin\'s HRESULT details become a PlatformError; other details do not', () => {
  const e = new CniError(100, 'create endpoint: createEndpoint: E_ACCESSDENIED (0x80070005): denied', '{"hresult":"0x80070005","code":"E_ACCESSDENIED","operation":"createEndpoint"}', 'nat', 'ADD');
  const p = platformCause(e, 'failed to set up pod network')!;
  assert.equal(p.code, 'E_ACCESSDENIED');
  assert.equal(p.operation, 'createEndpoint');
  assert.match(p.message, /^createEndpoint: E_ACCESSDENIED \(0x80070005\): failed to set up pod network: plugin nat ADD failed/);
  assert.equal(toServiceError(p).code, Status.PERMISSION_DENIED);
  for (const details of ['', 'plain text', '{"hresult":5}', '{"hresult":"0x8007","operation":"x"}', '{"hresult":"0x80070005","operation":"a b"}', '{broken', 'null']) {
    assert.equal(platformCause(new CniError(100, 'm', details), 'w'), undefined, details);
  }
});

test('platform errors carry advice, or say the request was rolled back and how to go on', () => {
  const hcn = toServiceError(platformCause(new CniError(100, 'm', '{"hresult":"0x803b0020","operation":"createNamespace"}'), 'w'));
  assert.equal(hcn.code, Status.UNAVAILABLE);
  const unknown = toServiceError(platformCause(new CniError(100, 'm', '{"hresult":"0x80004005","operation":"createEndpoint"}'), 'w'));
  assert.equal(unknown.code, Status.INTERNAL);
  assert.match(unknown.details!, /rolled back: retry it, and if the failure persists run `wincri doctor`/);
});

test('a "try again later" failure (CNI code 11) stays Unavailable and says what to do about its HRESULT', () => {
  const away = toServiceError(asRuntimeError(new CniError(11, 'HNS is not available: queryNamespace: HCS_E_SERVICE_NOT_AVAILABLE (0x80370114)',
    '{"hresult":"0x80370114","code":"HCS_E_SERVICE_NOT_AVAILABLE","operation":"queryNamespace"}', 'nat', 'ADD'), 'failed to set up pod network'));
  assert.equal(away.code, Status.UNAVAILABLE);
  assert.ok(away.details!.endsWith(`(${HRESULT_ADVICE.HCS_E_SERVICE_NOT_AVAILABLE})`), away.details);
  const unknown = toServiceError(asRuntimeError(new CniError(11, 'HNS is not available', '{"hresult":"0x80004005","operation":"createEndpoint"}'), 'w'));
  assert.equal(unknown.code, Status.UNAVAILABLE);
  assert.ok(unknown.details!.endsWith(`(${PLATFORM_RETRY_ADVICE})`), unknown.details);
});
