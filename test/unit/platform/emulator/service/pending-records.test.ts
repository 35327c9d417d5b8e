import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PendingRecords } from '../../../../../src/platform/emulator/service/pending-records.js';
import { HRESULT, PlatformError } from '../../../../../src/platform/hresult.js';

test('pending records: a later wait fails when the write failed (ERROR_DISK_FULL), succeeds once written; an immediate caller keeps the old rule', async () => {
  const r = new PendingRecords();
  let fail!: (ok: boolean) => void;
  await r.track('a', new Promise<boolean>((res) => { fail = res; }), true, 'HcsCreateProcess');
  await r.track('b', Promise.resolve(true), true, 'HcsCreateProcess');
  fail(false);
  await assert.rejects(r.wait('a'), (e: unknown) => e instanceof PlatformError && e.hresult === HRESULT.ERROR_DISK_FULL);
  await assert.rejects(r.wait('a'), PlatformError, 'a failed write stays failed for a later ask');
  await r.wait('b');
  await r.wait('never-tracked');
  await r.track('c', Promise.resolve(false), false, 'HcsCreateProcess'); // waited at once: resolves, as before
});
