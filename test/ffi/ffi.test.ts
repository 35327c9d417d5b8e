/**
 * FFI-specific tests of the Windows bindings against the C test library: UTF-16 round trips, string ownership,
 * foreign-thread callbacks, error documents, the call sequence HCS sees, async completion without blocking the
 * event loop, the named pipe's security descriptor, and the clear error off Windows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createWindowsPlatform, daclAdmitsOnlySystemAndAdmins, PIPE_SDDL } from '../../src/platform/windows/index.js';
import { loadBindings, register, unregister, takeString, callAsync, HCS_OPERATION_COMPLETION, type Pointer } from '../../src/platform/windows/ffi/index.js';
import { PlatformError, HRESULT } from '../../src/platform/hresult.js';
import { buildFakeLibrary, fakeLibraries, FakeControls } from './fakelib.js';

const so = buildFakeLibrary();
const fake = new FakeControls(so);
const libs = fakeLibraries(so);

async function platform() {
  fake.clearFails();
  return createWindowsPlatform({ libraries: libs, host: { osVersion: '10.0.20348', architecture: 'amd64' } });
}

test('ffi: UTF-16 strings round-trip (BMP, non-ASCII, astral, embedded quotes) and every returned string is freed once', () => {
  const b = loadBindings(libs);
  const echo = fake.raw.FakeEcho!;
  const before = fake.outstandingStrings();
  for (const s of ['plain', 'Grüße Zürich', '日本語テキスト', 'emoji 😀🎉 and 𝄞', 'C:\\Program Files\\x "quoted"', '']) {
    const out: Pointer[] = [null];
    assert.equal(echo(s, out), 0);
    assert.equal(takeString(out[0], b.localFree), s);
  }
  assert.equal(fake.outstandingStrings(), before);
  assert.equal(fake.freeErrors(), 0, fake.lastFreeError());
  // The library's log received the same text (UTF-16 → UTF-8 on the C side).
  assert.ok(fake.calls().some((c) => c.fn === 'FakeEcho' && c.args[0] === 'emoji 😀🎉 and 𝄞'));
});

test('ffi: a wrong free function, a double free and a foreign pointer are detected by the library', () => {
  const b = loadBindings(libs);
  const errors = fake.freeErrors();
  const out: Pointer[] = [null];
  fake.raw.FakeEcho!('x', out);
  b.coTaskMemFree(out[0] as bigint); // HCS strings are LocalFree'd
  assert.equal(fake.freeErrors(), errors + 1);
  assert.match(fake.lastFreeError(), /must be freed with LocalFree/);
  b.localFree(out[0] as bigint);
  assert.equal(fake.freeErrors(), errors + 2);
  assert.match(fake.lastFreeError(), /double free/);
});

test('ffi: callbacks fired from foreign threads run on the JS thread with their context ids', async () => {
  let got: number[] = [];
  const cb = register((op: Pointer, ctx: number | bigint) => { assert.equal(op, null); got.push(Number(ctx)); }, HCS_OPERATION_COMPLETION);
  const keep = setInterval(() => undefined, 1000);
  try {
    fake.raw.FakeFireFromThread!(cb, 100, 16);
    const deadline = Date.now() + 5000;
    while (got.length < 16 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual([...got].sort((a, b) => a - b), Array.from({ length: 16 }, (_, i) => 100 + i));
  } finally {
    clearInterval(keep);
    unregister(cb);
    got = [];
  }
});

test('ffi: HcsWaitForOperationResult as a koffi async call does not block the event loop', async () => {
  const b = loadBindings(libs);
  fake.setDelay(300);
  try {
    const op = b.hcs.HcsCreateOperation(0, null) as Pointer;
    const out: Pointer[] = [null];
    assert.equal(b.hcs.HcsEnumerateComputeSystems('{}', op), 0);
    let ticks = 0;
    const t = setInterval(() => ticks++, 10);
    const hr = await callAsync<number>(b.hcs.HcsWaitForOperationResult, op, 0xffffffff, out);
    clearInterval(t);
    assert.equal(hr, 0);
    assert.ok(ticks >= 10, `the event loop ran ${ticks} timer ticks during the wait`);
    assert.ok(Array.isArray(JSON.parse(takeString(out[0], b.localFree)!)));
    b.hcs.HcsCloseOperation(op);
    // A bounded wait that elapses reports HCS_E_OPERATION_TIMEOUT.
    const op2 = b.hcs.HcsCreateOperation(0, null) as Pointer;
    b.hcs.HcsEnumerateComputeSystems('{}', op2);
    assert.equal((await callAsync<number>(b.hcs.HcsWaitForOperationResult, op2, 20, [null])) >>> 0, HRESULT.HCS_E_OPERATION_TIMEOUT);
    await callAsync<number>(b.hcs.HcsWaitForOperationResult, op2, 0xffffffff, out);
    takeString(out[0], b.localFree);
    b.hcs.HcsCloseOperation(op2);
  } finally {
    fake.setDelay(0);
  }
});

test('ffi: HCS error documents: ResultError of a failed operation and of a failed verb become PlatformError.errorDocument', async () => {
  const p = await platform();
  const id = `ffi-${randomUUID()}`;
  const sys = await p.compute.createComputeSystem(id, { SchemaVersion: { Major: 2, Minor: 1 }, Container: {} } as never);
  const doc = JSON.stringify({ Error: HRESULT.HCS_E_INVALID_STATE | 0, ErrorMessage: 'Der Vorgang ist ungültig ✗', ErrorEvents: [{ Message: 'detail' }] });
  for (const sync of [false, true]) {
    fake.fail('HcsStartComputeSystem', HRESULT.HCS_E_INVALID_STATE, doc, 1, sync);
    const e = await sys.start().then(() => undefined, (x: unknown) => x);
    assert.ok(e instanceof PlatformError);
    assert.equal(e.code, 'HCS_E_INVALID_STATE');
    assert.equal(e.operation, 'HcsStartComputeSystem');
    assert.match(e.message, /Der Vorgang ist ungültig ✗/);
    assert.deepEqual(e.errorDocument, JSON.parse(doc));
  }
  // The verb that failed synchronously never started its operation: the error document came from
  // HcsGetOperationResult on that operation, which was then closed.
  const calls = fake.calls().map((c) => c.fn);
  assert.ok(calls.includes('HcsGetOperationResult'));
  await sys.terminate();
  sys.close();
  await p.close();
  assert.equal(fake.outstandingStrings(), 0);
  assert.equal(fake.liveHandles(1), 0, 'no operation left open');
});

test('ffi: HCN error records (CoTaskMemFree) become PlatformError with the record; a non-empty record fails even on S_OK', async () => {
  const p = await platform();
  const errors = fake.freeErrors();
  const record = JSON.stringify({ Success: false, Error: 'The object already exists.', ErrorCode: 2147947410 });
  fake.fail('HcnCreateNamespace', HRESULT.ERROR_OBJECT_ALREADY_EXISTS, record);
  const e = await p.network.createNamespace(randomUUID(), { SchemaVersion: { Major: 2, Minor: 0 } } as never).then(() => undefined, (x: unknown) => x);
  assert.ok(e instanceof PlatformError);
  assert.equal(e.code, 'ERROR_OBJECT_ALREADY_EXISTS');
  assert.deepEqual(e.errorDocument, JSON.parse(record));
  fake.fail('HcnCreateNamespace', 0, JSON.stringify({ Success: false, Error: 'port in use', ErrorCode: HRESULT.HCN_E_PORT_ALREADY_EXISTS }));
  const e2 = await p.network.createNamespace(randomUUID(), {} as never).then(() => undefined, (x: unknown) => x);
  assert.ok(e2 instanceof PlatformError);
  assert.equal(e2.code, 'HCN_E_PORT_ALREADY_EXISTS');
  await p.close();
  assert.equal(fake.outstandingStrings(), 0);
  assert.equal(fake.freeErrors(), errors, fake.lastFreeError());
});

test('ffi: call sequence — one operation per call, callbacks registered before waits, documents passed as JSON, GUIDs by value', async () => {
  const p = await platform();
  fake.clearCalls();
  const id = `seq-${randomUUID()}`;
  const sys = await p.compute.createComputeSystem(id, { SchemaVersion: { Major: 2, Minor: 1 }, Owner: 'ö', Container: {} } as never);
  await sys.start();
  const netId = randomUUID();
  await p.network.createNetwork(netId, { Name: 'n', Type: 'NAT' } as never);
  const calls = fake.calls();
  const fns = calls.map((c) => c.fn);
  const create = fns.indexOf('HcsCreateComputeSystem');
  assert.equal(fns[create - 1], 'HcsCreateOperation');
  assert.equal(fns[create + 1], 'HcsSetComputeSystemCallback', 'system callback registered right after create');
  assert.deepEqual(JSON.parse(calls[create]!.args[1]!), { SchemaVersion: { Major: 2, Minor: 1 }, Owner: 'ö', Container: {} });
  assert.equal(calls[create]!.args[0], id);
  assert.equal(fns.filter((f) => f === 'HcsCreateOperation').length, fns.filter((f) => f === 'HcsCloseOperation').length);
  assert.equal(calls.find((c) => c.fn === 'HcsStartComputeSystem')!.args[0], '', 'reserved options passed as ""');
  assert.deepEqual(fns.slice(fns.indexOf('HcnCreateNetwork')), ['HcnCreateNetwork', 'HcnQueryNetworkProperties', 'HcnCloseNetwork']);
  assert.equal((await p.network.queryNetwork(netId.toUpperCase())).ID, netId, 'GUID marshalled field by field');
  await p.network.deleteNetwork(netId);
  await sys.terminate();
  sys.close();
  await p.close();
});

test('ffi: layer storage calls, GetLayerMountPath two-call pattern, storage HRESULTs', async () => {
  const p = await platform();
  fake.clearCalls();
  const ld = { SchemaVersion: { Major: 2, Minor: 1 }, Layers: [{ Id: randomUUID(), Path: 'C:\\layers\\bäse' }] };
  await p.storage.importLayer('C:\\layers\\new', 'C:\\tmp\\src', ld as never);
  await p.storage.initializeWritableLayer('C:\\scratch\\ü', ld as never);
  await p.storage.attachLayerStorageFilter('C:\\scratch\\ü', ld as never);
  assert.equal(await p.storage.getLayerMountPath('C:\\scratch\\ü'), '\\\\?\\Volume{fake-C:\\scratch\\ü}\\');
  await p.storage.detachLayerStorageFilter('C:\\scratch\\ü');
  fake.fail('HcsDestroyLayer', HRESULT.ERROR_PATH_NOT_FOUND);
  await p.storage.destroyLayer('C:\\layers\\gone'); // absent layer: success
  fake.fail('HcsDestroyLayer', HRESULT.E_ACCESSDENIED);
  await assert.rejects(p.storage.destroyLayer('C:\\layers\\x'), (e: unknown) => e instanceof PlatformError && e.code === 'E_ACCESSDENIED');
  const calls = fake.calls();
  assert.deepEqual(calls.find((c) => c.fn === 'HcsImportLayer')!.args.slice(0, 2), ['C:\\layers\\new', 'C:\\tmp\\src']);
  assert.deepEqual(JSON.parse(calls.find((c) => c.fn === 'HcsInitializeWritableLayer')!.args[1]!), ld);
  assert.equal(calls.filter((c) => c.fn === 'GetLayerMountPath').length, 2, 'length query, then buffer');
  assert.equal(calls.find((c) => c.fn === 'GetLayerMountPath')!.args[0], '', 'DriverInfo.HomeDir ""');
  await p.close();
});

test('ffi: named pipe security descriptor — SYSTEM and Administrators only, verified by reading it back', async () => {
  const p = await platform();
  const errors = fake.freeErrors();
  await p.secureEndpoint('\\\\.\\pipe\\wincri');
  assert.equal(fake.pipeSddl(), PIPE_SDDL);
  assert.ok(daclAdmitsOnlySystemAndAdmins(PIPE_SDDL));
  assert.ok(daclAdmitsOnlySystemAndAdmins('D:P(A;;FA;;;SY)(A;;FA;;;BA)'), 'Windows reports GA as FA');
  assert.ok(!daclAdmitsOnlySystemAndAdmins('D:(A;;GA;;;SY)(A;;GA;;;BA)'), 'not protected');
  assert.ok(!daclAdmitsOnlySystemAndAdmins('D:P(A;;GA;;;SY)(A;;GR;;;WD)'), 'Everyone');
  assert.equal(fake.liveHandles(5), 0, 'pipe handle closed');
  await p.close();
  assert.equal(fake.outstandingStrings(), 0, 'security descriptor and SDDL string freed');
  assert.equal(fake.freeErrors(), errors, fake.lastFreeError());
});

test('ffi: without a library override the backend refuses to load off Windows, naming the emulator', async () => {
  if (process.platform === 'win32') return;
  await assert.rejects(createWindowsPlatform(), /emulator/);
});
