/** The emulator's Container Credential Guard service settings, device / pipe checks and scratch sizes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setup, rejectsWith, containerDoc, alive, until } from './helpers.js';
import {
  buildCredentialGuardAddRequest, buildCredentialGuardRemoveRequest, credentialGuardState, CREDENTIAL_GUARD_QUERY,
} from '../../../../src/platform/hcs/document/index.js';
import { CREDENTIAL_SPEC, CREDENTIAL_SPEC_TEXT } from '../../../helpers/credential-spec.js';

test('emulator credential guard: add, list, use in a container, survive a service restart, remove', async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const c = env.platform.compute;
  await c.modifyServiceSettings(buildCredentialGuardAddRequest('ctr-1', CREDENTIAL_SPEC_TEXT));
  const state = credentialGuardState(await c.queryServiceProperties(CREDENTIAL_GUARD_QUERY), 'ctr-1')!;
  assert.equal(state.Transport, 'LRPC');
  assert.equal(state.CredentialSpec, CREDENTIAL_SPEC_TEXT);
  assert.match(state.Cookie!, /^[0-9a-f]{32}$/);
  assert.ok(state.RpcEndpoint);
  await rejectsWith(c.modifyServiceSettings(buildCredentialGuardAddRequest('ctr-1', CREDENTIAL_SPEC_TEXT)), 'ERROR_ALREADY_EXISTS');
  // Basic and ContainerCredentialGuard in one query, in the order asked.
  const both = await c.queryServiceProperties({ PropertyTypes: ['Basic', 'ContainerCredentialGuard'] });
  assert.ok(Array.isArray((both[0] as { SupportedSchemaVersions: unknown[] }).SupportedSchemaVersions));
  assert.equal((both[1] as { Instances: unknown[] }).Instances.length, 1);

  // A container names the instance by its state; a cookie the service never handed out is refused.
  const s = await c.createComputeSystem('gmsa', containerDoc({ ContainerCredentialGuard: state }));
  await rejectsWith(c.createComputeSystem('forged', containerDoc({ ContainerCredentialGuard: { ...state, Cookie: 'f'.repeat(32) } })), 'E_INVALIDARG');
  await rejectsWith(c.createComputeSystem('other-spec', containerDoc({ ContainerCredentialGuard: { ...state, CredentialSpec: '{}' } })), 'E_INVALIDARG');
  await s.start();
  await s.terminate();
  s.close();

  // The service keeps instances until they are removed, across its own restarts.
  const oldPid = await env.platform.servicePid();
  process.kill(oldPid, 'SIGKILL');
  await until(() => !alive(oldPid));
  assert.deepEqual(credentialGuardState(await c.queryServiceProperties(CREDENTIAL_GUARD_QUERY), 'ctr-1'), state);
  await c.modifyServiceSettings(buildCredentialGuardRemoveRequest('ctr-1'));
  assert.equal(credentialGuardState(await c.queryServiceProperties(CREDENTIAL_GUARD_QUERY), 'ctr-1'), undefined);
  await rejectsWith(c.modifyServiceSettings(buildCredentialGuardRemoveRequest('ctr-1')), 'ERROR_NOT_FOUND');
  await rejectsWith(c.createComputeSystem('stale', containerDoc({ ContainerCredentialGuard: state })), 'E_INVALIDARG');
});

test('emulator credential guard: requests are validated like HCS, naming the field', async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const c = env.platform.compute;
  const add = (details: unknown) => c.modifyServiceSettings({ PropertyType: 'ContainerCredentialGuard', Settings: { Operation: 'AddInstance', OperationDetails: details } });
  const e1 = await rejectsWith(add({ Id: 'x', CredentialSpec: '{not json' }), 'HCS_E_INVALID_JSON');
  assert.match(e1.message, /CredentialSpec: not valid JSON/);
  const { DomainJoinConfig, ...noDomain } = CREDENTIAL_SPEC;
  const e2 = await rejectsWith(add({ Id: 'x', CredentialSpec: JSON.stringify({ ...noDomain, DomainJoinConfig: { ...DomainJoinConfig, Sid: undefined } }) }), 'HCS_E_INVALID_JSON');
  assert.match(e2.message, /DomainJoinConfig\.Sid/);
  const e3 = await rejectsWith(add({ CredentialSpec: CREDENTIAL_SPEC_TEXT }), 'HCS_E_INVALID_JSON');
  assert.match(e3.message, /OperationDetails\.Id/);
  await rejectsWith(add({ Id: 'x', CredentialSpec: CREDENTIAL_SPEC_TEXT, Transport: 'Pigeon' }), 'HCS_E_INVALID_JSON');
  await rejectsWith(c.modifyServiceSettings({ PropertyType: 'ContainerCredentialGuard', Settings: { Operation: 'Frobnicate' } } as never), 'HCS_E_INVALID_JSON');
  await rejectsWith(c.modifyServiceSettings({ PropertyType: 'CpuGroup', Settings: {} }), 'E_NOTIMPL');
  await rejectsWith(c.queryServiceProperties({ PropertyTypes: ['QoSCapabilities'] }), 'E_INVALIDARG');
  assert.deepEqual(await c.queryServiceProperties(CREDENTIAL_GUARD_QUERY), [{ Instances: [] }]);
});

test('emulator: AssignedDevices and MappedPipes are checked; scratch size grows, never shrinks', async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const c = env.platform.compute;
  const guid = '5b45201d-f2f2-4f3b-85bb-30ff1f953599';
  const ok = await c.createComputeSystem('dev', containerDoc({
    AssignedDevices: [{ Type: 'ClassGuid', InterfaceClassGuid: guid }, { Type: 'DeviceInstance', LocationPath: 'PCIROOT(0)#PCI(0100)' }],
    MappedPipes: [{ ContainerPipeName: 'docker_engine', HostPath: '\\\\.\\pipe\\docker_engine' }],
  }));
  ok.close();
  const e1 = await rejectsWith(c.createComputeSystem('d1', containerDoc({ AssignedDevices: [{ Type: 'ClassGuid', InterfaceClassGuid: 'nope' }] })), 'HCS_E_INVALID_JSON');
  assert.match(e1.message, /AssignedDevices\[0\]\.InterfaceClassGuid/);
  await rejectsWith(c.createComputeSystem('d2', containerDoc({ AssignedDevices: [{ Type: 'DeviceInstance' }] })), 'HCS_E_INVALID_JSON');
  await rejectsWith(c.createComputeSystem('d3', containerDoc({ AssignedDevices: [{ Type: 'Gpu' }] })), 'HCS_E_INVALID_JSON');
  const e2 = await rejectsWith(c.createComputeSystem('p1', containerDoc({ MappedPipes: [{ ContainerPipeName: 'x', HostPath: 'C:\\not-a-pipe' }] })), 'HCS_E_INVALID_JSON');
  assert.match(e2.message, /MappedPipes\[0\]\.HostPath/);
  await rejectsWith(c.createComputeSystem('p2', containerDoc({ MappedPipes: [{ ContainerPipeName: '', HostPath: '\\\\.\\pipe\\x' }] })), 'HCS_E_INVALID_JSON');

  const st = env.platform.storage;
  const base = join(env.dir, 'base');
  mkdirSync(join(base, 'Files'), { recursive: true });
  const scratch = join(env.dir, 'scratch');
  await rejectsWith(st.expandWritableLayer(scratch, 1 << 30), 'ERROR_PATH_NOT_FOUND');
  await st.initializeWritableLayer(scratch, { Layers: [{ Id: guid, Path: base }] });
  await rejectsWith(st.expandWritableLayer(scratch, 0), 'E_INVALIDARG');
  await st.expandWritableLayer(scratch, 40 * 1024 ** 3);
  assert.equal(readFileSync(join(scratch, 'sandbox.size'), 'utf8'), String(40 * 1024 ** 3));
  await st.expandWritableLayer(scratch, 1024 ** 3);
  assert.equal(readFileSync(join(scratch, 'sandbox.size'), 'utf8'), String(40 * 1024 ** 3), 'never shrinks');
});
