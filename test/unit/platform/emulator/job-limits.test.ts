/** A job container's limits in the shape the emulator's cgroup code applies (service/job-limits.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cgroupShape } from '../../../../src/platform/emulator/service/job-limits.js';

test('job limits map onto the cgroup settings: memory in MB (rounded up), CPU rate as Maximum, weight around 5 ↔ 100', () => {
  assert.deepEqual(cgroupShape({ JobMemoryLimitInBytes: 64 * 1024 * 1024, CpuRate: 2500 }), { Memory: { SizeInMB: 64 }, Processor: { Maximum: 2500 } });
  assert.deepEqual(cgroupShape({ JobMemoryLimitInBytes: 1024 * 1024 + 1 }), { Memory: { SizeInMB: 2 }, Processor: {} });
  assert.deepEqual(cgroupShape({ CpuWeight: 5 }), { Processor: { Weight: 100 } });
  assert.deepEqual(cgroupShape({ CpuWeight: 9 }), { Processor: { Weight: 180 } });
  assert.deepEqual(cgroupShape(undefined), { Processor: {} }, 'no limits: unlimited memory, default CPU');
});
