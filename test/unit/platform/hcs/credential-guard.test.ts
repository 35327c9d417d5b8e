import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validate } from '../../../../src/platform/schema.js';
import type { ContainerSpec } from '../../../../src/platform/spec.js';
import {
  ComputeSystem, ModificationRequest, ContainerCredentialGuardOperationRequest, ContainerCredentialGuardAddInstanceRequest,
  ContainerCredentialGuardRemoveInstanceRequest,
} from '../../../../src/platform/hcs/schema/index.js';
import {
  buildCredentialGuardAddRequest, buildCredentialGuardRemoveRequest, credentialGuardState, buildContainerDocument, DocumentError,
  CREDENTIAL_GUARD_QUERY,
} from '../../../../src/platform/hcs/document/index.js';
import { CREDENTIAL_SPEC_TEXT } from '../../../helpers/credential-spec.js';

const ID = 'a'.repeat(64);
const STATE = { Cookie: '0123abcd', RpcEndpoint: 'ccg-1', Transport: 'LRPC', CredentialSpec: CREDENTIAL_SPEC_TEXT };

function ok(schema: Parameters<typeof validate>[0], doc: unknown): void {
  const r = validate(schema, doc);
  assert.ok(r.ok, r.ok ? '' : `${r.problem.path}: ${r.problem.message}`);
}

test('credential guard: AddInstance / RemoveInstance requests have hcsshim\'s shape and validate', () => {
  const add = buildCredentialGuardAddRequest(ID, CREDENTIAL_SPEC_TEXT);
  assert.deepEqual(add, {
    PropertyType: 'ContainerCredentialGuard',
    Settings: { Operation: 'AddInstance', OperationDetails: { Id: ID, CredentialSpec: CREDENTIAL_SPEC_TEXT, Transport: 'LRPC' } },
  });
  ok(ModificationRequest, add);
  ok(ContainerCredentialGuardOperationRequest, add.Settings);
  ok(ContainerCredentialGuardAddInstanceRequest, (add.Settings as { OperationDetails: unknown }).OperationDetails);
  assert.equal((buildCredentialGuardAddRequest(ID, CREDENTIAL_SPEC_TEXT, 'HvSocket').Settings as { OperationDetails: { Transport: string } }).OperationDetails.Transport, 'HvSocket');
  const rm = buildCredentialGuardRemoveRequest(ID);
  assert.deepEqual(rm, { PropertyType: 'ContainerCredentialGuard', Settings: { Operation: 'RemoveInstance', OperationDetails: { Id: ID } } });
  ok(ContainerCredentialGuardRemoveInstanceRequest, (rm.Settings as { OperationDetails: unknown }).OperationDetails);
  assert.deepEqual(CREDENTIAL_GUARD_QUERY, { PropertyTypes: ['ContainerCredentialGuard'] });
  assert.throws(() => buildCredentialGuardAddRequest('', CREDENTIAL_SPEC_TEXT), DocumentError);
  assert.throws(() => buildCredentialGuardAddRequest(ID, ''), DocumentError);
  // The schemas are not vacuous.
  assert.equal(validate(ModificationRequest, { Settings: {} }).ok, false);
  assert.equal(validate(ContainerCredentialGuardOperationRequest, { Operation: 'Add' }).ok, false);
});

test('credential guard: the instance state is found by id in the service properties', () => {
  const props = [{ Instances: [{ Id: 'other', CredentialGuard: { ...STATE, Cookie: 'x' } }, { Id: ID, CredentialGuard: STATE }] }];
  assert.deepEqual(credentialGuardState(props, ID), STATE);
  assert.equal(credentialGuardState([{ Instances: [] }], ID), undefined);
  assert.equal(credentialGuardState([{}], ID), undefined);
  assert.throws(() => credentialGuardState([], ID), DocumentError);
});

test('container document: a gMSA container carries its instance state in ContainerCredentialGuard', () => {
  const spec: ContainerSpec = {
    ociVersion: '1.1.0', mounts: [], annotations: {},
    process: { args: ['cmd.exe'], env: [], cwd: 'C:\\', terminal: false, user: { username: 'ContainerUser' } },
    windows: { layerFolders: ['C:\\layers\\base'], credentialSpec: CREDENTIAL_SPEC_TEXT },
  };
  const opts = { owner: 'wincri', storagePath: '\\\\?\\Volume{4c5d8e3a-1b2c-4d5e-8f90-123456789abc}\\', layers: [{ id: 'x', path: 'C:\\layers\\base' }], hostProcessorCount: 4 };
  assert.throws(() => buildContainerDocument(spec, opts), /credential guard instance/);
  const doc = buildContainerDocument(spec, { ...opts, credentialGuard: STATE });
  assert.deepEqual(doc.Container!.ContainerCredentialGuard, STATE);
  ok(ComputeSystem, doc);
  const plain = { ...spec, windows: { layerFolders: spec.windows.layerFolders } };
  assert.throws(() => buildContainerDocument(plain, { ...opts, credentialGuard: STATE }), /without a gMSA credential spec/);
  assert.equal(buildContainerDocument(plain, opts).Container!.ContainerCredentialGuard, undefined);
});
