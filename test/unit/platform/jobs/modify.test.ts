/** Live job limits from modify requests (platform/jobs/document/modify.ts), shared by both job backends. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { limitsOfRequest, mergeLimits } from '../../../../src/platform/jobs/document/index.js';
import { buildResourceUpdateRequests } from '../../../../src/platform/hcs/document/index.js';
import { PlatformError, hresultName } from '../../../../src/platform/hresult.js';

const invalidArg = (f: () => unknown, msg: RegExp) => assert.throws(f, (e) => e instanceof PlatformError && hresultName(e.hresult) === 'E_INVALIDARG' && msg.test(e.message));

test('the requests UpdateContainerResources sends become job limits, converted as a spec is', () => {
  const reqs = buildResourceUpdateRequests({ memory: { limit: 256 * 1024 * 1024 }, cpu: { count: 2 } }, { hostProcessorCount: 8 });
  const changes = reqs.map((r) => limitsOfRequest(r, 8));
  assert.deepEqual(changes, [
    { limits: { JobMemoryLimitInBytes: 256 * 1024 * 1024 }, memory: true },
    { limits: { CpuRate: 2500 }, memory: false },
  ]);
  assert.deepEqual(limitsOfRequest({ ResourcePath: 'Container/Processor', RequestType: 'Update', Settings: { Weight: 10000 } }, 8).limits, { CpuWeight: 9 });
  assert.deepEqual(limitsOfRequest({ ResourcePath: 'Container/Processor', Settings: { Maximum: 5000 } }, 8).limits, { CpuRate: 5000 });
});

test('requests a job cannot take are InvalidArgument with the reason', () => {
  invalidArg(() => limitsOfRequest({ ResourcePath: 'Container/Memory/SizeInMB', RequestType: 'Add', Settings: 64 }, 4), /Update requests only, not Add/);
  invalidArg(() => limitsOfRequest({ ResourcePath: 'Container/Memory/SizeInMB', RequestType: 'Update', Settings: 'lots' }, 4), /positive number of MB/);
  invalidArg(() => limitsOfRequest({ ResourcePath: 'Container/Processor', RequestType: 'Update', Settings: {} }, 4), /one of Count, Maximum or Weight/);
  invalidArg(() => limitsOfRequest({ ResourcePath: 'Container/Networking', RequestType: 'Update' }, 4), /Container\/Networking does not apply/);
});

test('a memory change keeps the CPU control; a CPU change replaces the one CPU control and keeps memory', () => {
  const cur = { JobMemoryLimitInBytes: 1024, CpuRate: 100 };
  assert.deepEqual(mergeLimits(cur, { limits: { JobMemoryLimitInBytes: 2048 }, memory: true }), { JobMemoryLimitInBytes: 2048, CpuRate: 100 });
  assert.deepEqual(mergeLimits(cur, { limits: { CpuWeight: 3 }, memory: false }), { JobMemoryLimitInBytes: 1024, CpuWeight: 3 });
  assert.deepEqual(mergeLimits(undefined, { limits: { CpuRate: 42 }, memory: false }), { CpuRate: 42 });
  assert.deepEqual(cur, { JobMemoryLimitInBytes: 1024, CpuRate: 100 }, 'the current limits are not changed in place');
});
