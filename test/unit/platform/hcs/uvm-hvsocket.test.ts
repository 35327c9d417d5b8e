/** The HvSocket side of gMSA in a Hyper-V pod (hcs/document/uvm-hvsocket.ts): reading an instance's service, closing it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildHvSocketServiceRemoveRequest, credentialGuardHvSocketConfig, DocumentError } from '../../../../src/platform/hcs/document/index.js';

const SERVICE = { ServiceId: '0f6b2b38-3c8e-4b8e-a1f0-7c2d9e4b5a61', ServiceConfig: { BindSecurityDescriptor: 'D:P(A;;FA;;;SY)' } };
const PROPERTIES = [{ Instances: [{ Id: 'lrpc', CredentialGuard: { Transport: 'LRPC' } }, { Id: 'hv', CredentialGuard: { Transport: 'HvSocket' }, HvSocketConfig: SERVICE }] }];

test('credentialGuardHvSocketConfig: the named instance\'s service (a copy); none for an LRPC or unknown instance', () => {
  const found = credentialGuardHvSocketConfig(PROPERTIES, 'hv');
  assert.deepEqual(found, SERVICE);
  assert.notEqual(found, SERVICE);
  assert.equal(credentialGuardHvSocketConfig(PROPERTIES, 'lrpc'), undefined);
  assert.equal(credentialGuardHvSocketConfig(PROPERTIES, 'other'), undefined);
  assert.equal(credentialGuardHvSocketConfig([null], 'hv'), undefined);
});

test('buildHvSocketServiceRemoveRequest: a Remove of the service-table entry; a service ID is required', () => {
  assert.deepEqual(buildHvSocketServiceRemoveRequest(SERVICE.ServiceId), {
    RequestType: 'Remove', ResourcePath: `VirtualMachine/Devices/HvSocket/HvSocketConfig/ServiceTable/${SERVICE.ServiceId}`,
  });
  assert.throws(() => buildHvSocketServiceRemoveRequest(''), DocumentError);
});
