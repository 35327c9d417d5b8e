/**
 * Service-level calls of the Windows bindings against the C test library: HcsModifyServiceSettings (credential
 * guard instances), HcsGetServiceProperties with a query, and vmcompute ExpandSandboxSize — arguments as HCS sees
 * them, error documents, and every returned string freed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWindowsPlatform } from '../../src/platform/windows/index.js';
import { PlatformError } from '../../src/platform/hresult.js';
import { buildCredentialGuardAddRequest, buildCredentialGuardRemoveRequest, credentialGuardState, CREDENTIAL_GUARD_QUERY } from '../../src/platform/hcs/document/index.js';
import { addCredentialGuard, removeCredentialGuard, removeOrphanedCredentialGuards } from '../../src/runtime/credential-guard.js';
import { buildFakeLibrary, fakeLibraries, FakeControls } from './fakelib.js';
import { CREDENTIAL_SPEC_TEXT } from '../helpers/credential-spec.js';

const so = buildFakeLibrary();
const fake = new FakeControls(so);

async function platform() {
  fake.clearFails();
  return createWindowsPlatform({ libraries: fakeLibraries(so), host: { osVersion: '10.0.20348', architecture: 'amd64' } });
}

test('ffi: HcsModifyServiceSettings adds and removes credential guard instances; the query lists them', async () => {
  const p = await platform();
  const id = randomUUID();
  fake.clearCalls();
  await p.compute.modifyServiceSettings(buildCredentialGuardAddRequest(id, CREDENTIAL_SPEC_TEXT));
  const call = fake.calls().find((c) => c.fn === 'HcsModifyServiceSettings')!;
  assert.deepEqual(JSON.parse(call.args[0]!), buildCredentialGuardAddRequest(id, CREDENTIAL_SPEC_TEXT), 'the request arrives as JSON, unchanged');
  const props = await p.compute.queryServiceProperties(CREDENTIAL_GUARD_QUERY);
  assert.equal(JSON.parse(fake.calls().filter((c) => c.fn === 'HcsGetServiceProperties').at(-1)!.args[0]!).PropertyTypes[0], 'ContainerCredentialGuard');
  const state = credentialGuardState(props, id)!;
  assert.match(state.Cookie!, /^cookie-\d+$/);
  assert.equal(state.Transport, 'LRPC');
  // A failure carries the service's error document.
  const dup = await p.compute.modifyServiceSettings(buildCredentialGuardAddRequest(id, CREDENTIAL_SPEC_TEXT)).then(() => undefined, (e: unknown) => e);
  assert.ok(dup instanceof PlatformError);
  assert.equal(dup.code, 'ERROR_ALREADY_EXISTS');
  assert.equal(dup.operation, 'HcsModifyServiceSettings');
  assert.match(JSON.stringify(dup.errorDocument), /instance exists/);
  await p.compute.modifyServiceSettings(buildCredentialGuardRemoveRequest(id));
  assert.equal(credentialGuardState(await p.compute.queryServiceProperties(CREDENTIAL_GUARD_QUERY), id), undefined);
  const gone = await p.compute.modifyServiceSettings(buildCredentialGuardRemoveRequest(id)).then(() => undefined, (e: unknown) => e);
  assert.ok(gone instanceof PlatformError && gone.code === 'ERROR_NOT_FOUND');
  // The basic query the daemon already used is unchanged.
  assert.ok((await p.compute.getServiceProperties()).SupportedSchemaVersions!.length > 0);
  await p.close();
  assert.equal(fake.outstandingStrings(), 0, 'result and error documents freed');
  assert.equal(fake.freeErrors(), 0, fake.lastFreeError());
});

test('ffi: the runtime\'s credential guard steps over the Windows bindings (add → state; remove twice is fine)', async (t) => {
  const p = await platform();
  const stateDir = mkdtempSync(join(tmpdir(), 'wincri-ccg-'));
  t.after(() => rmSync(stateDir, { recursive: true, force: true }));
  const id = randomUUID();
  const state = await addCredentialGuard(p.compute, stateDir, id, CREDENTIAL_SPEC_TEXT);
  assert.ok(state.Cookie && state.RpcEndpoint);
  await removeCredentialGuard(p.compute, stateDir, id);
  await removeCredentialGuard(p.compute, stateDir, id);
  // A query that fails after the add removes the half-made instance again.
  fake.fail('HcsGetServiceProperties', 0x80004005 | 0);
  await assert.rejects(addCredentialGuard(p.compute, stateDir, id, CREDENTIAL_SPEC_TEXT), (e: unknown) => e instanceof PlatformError && e.code === 'E_FAIL');
  const fns = fake.calls().map((c) => c.fn);
  assert.equal(fns.lastIndexOf('HcsModifyServiceSettings') > fns.lastIndexOf('HcsGetServiceProperties'), true, 'RemoveInstance after the failed query');
  assert.equal(credentialGuardState(await p.compute.queryServiceProperties(CREDENTIAL_GUARD_QUERY), id), undefined);
  assert.deepEqual(readdirSync(join(stateDir, 'credential-guard')), [], 'no marker left once the instance is gone');
  await p.close();
});

test('recovery removes only the instances this runtime added for containers it has no record of', async (t) => {
  const p = await platform();
  const stateDir = mkdtempSync(join(tmpdir(), 'wincri-ccg-'));
  t.after(() => rmSync(stateDir, { recursive: true, force: true }));
  const [kept, orphan, foreign] = [randomUUID(), randomUUID(), randomUUID()];
  await addCredentialGuard(p.compute, stateDir, kept, CREDENTIAL_SPEC_TEXT);
  await addCredentialGuard(p.compute, stateDir, orphan, CREDENTIAL_SPEC_TEXT);
  await p.compute.modifyServiceSettings(buildCredentialGuardAddRequest(foreign, CREDENTIAL_SPEC_TEXT)); // another runtime's
  await removeOrphanedCredentialGuards(p.compute, stateDir, (id) => id === kept);
  const props = await p.compute.queryServiceProperties(CREDENTIAL_GUARD_QUERY);
  assert.ok(credentialGuardState(props, kept));
  assert.equal(credentialGuardState(props, orphan), undefined);
  assert.ok(credentialGuardState(props, foreign), 'an instance without our marker is never touched');
  for (const id of [kept, foreign]) await p.compute.modifyServiceSettings(buildCredentialGuardRemoveRequest(id));
  await p.close();
});

test('ffi: ExpandSandboxSize gets DriverInfo {1, ""}, the layer path and the size as a 64-bit integer', async () => {
  const p = await platform();
  fake.clearCalls();
  const size = 40 * 1024 ** 3 + 7;
  await p.storage.expandWritableLayer('C:\\scratch\\ü', size);
  assert.deepEqual(fake.calls().find((c) => c.fn === 'ExpandSandboxSize')!.args, ['', 'C:\\scratch\\ü', String(size)]);
  fake.fail('ExpandSandboxSize', 0x80070070 | 0); // ERROR_DISK_FULL
  await assert.rejects(p.storage.expandWritableLayer('C:\\scratch\\ü', size), (e: unknown) => e instanceof PlatformError && e.operation === 'ExpandSandboxSize');
  await p.close();
});
