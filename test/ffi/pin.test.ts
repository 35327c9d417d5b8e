/**
 * The Windows bindings pin the libraries they load (src/platform/windows/ffi/pin.ts): HCS runs its own threads
 * inside computecore (operation completions, events, the tail of a callback), and koffi would otherwise unload a
 * library once nothing in JS refers to it any more — under a thread still running in it (SIGSEGV; reproduced with
 * this exact sequence before the fix). Here the C test library's completion thread sleeps inside the library while
 * every JS reference to the bindings is dropped and collected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import { loadBindings, type Pointer } from '../../src/platform/windows/ffi/index.js';
import { HRESULT } from '../../src/platform/hresult.js';
import { buildFakeLibrary, fakeLibraries, FakeControls } from './fakelib.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const HCS_E_OPERATION_TIMEOUT = HRESULT.HCS_E_OPERATION_TIMEOUT | 0;

test('ffi: a library stays loaded while one of its threads runs in it and no JS reference to it is left', async () => {
  const so = buildFakeLibrary();
  const mapped = () => readFileSync('/proc/self/maps', 'utf8').includes(so);
  const op = (() => {
    const fake = new FakeControls(so);
    fake.setDelay(500); // the completion thread sleeps inside the library before it completes the operation
    const b = loadBindings(fakeLibraries(so));
    const o = b.hcs.HcsCreateOperation(0, null) as Pointer;
    assert.equal(b.hcs.HcsCreateComputeSystem('pin-test', JSON.stringify({ Owner: 'pin', Container: {} }), o, null, [null]), 0);
    return o;
  })();
  for (let i = 0; i < 3; i++) { gc(); await new Promise((r) => setImmediate(r)); }
  assert.ok(mapped(), 'the library is still mapped after its bindings were collected');
  // The thread that slept inside the library completes the operation (and the process is still alive to see it).
  const b = loadBindings(fakeLibraries(so));
  const fake = new FakeControls(so);
  try {
    let hr = HCS_E_OPERATION_TIMEOUT;
    while (hr === HCS_E_OPERATION_TIMEOUT) hr = b.hcs.HcsWaitForOperationResult(op, 100, [null]) as number;
    assert.equal(hr, 0);
  } finally {
    fake.setDelay(0);
    b.hcs.HcsCloseOperation(op);
  }
  assert.ok(mapped());
  assert.ok(fake.pins() >= 1, 'GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_PIN) was called');
});
