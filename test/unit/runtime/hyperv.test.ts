import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveHandler, utilityVmSize, VM_MEMORY_ANNOTATION } from '../../../src/runtime/hyperv/handlers.js';
import { checkImageOsVersion } from '../../../src/runtime/os-match.js';
import { isRuntimeError } from '../../../src/errors.js';
import type { SandboxConfig } from '../../../src/runtime/model.js';

const handlers = {
  'runhcs-wcow-process': { isolation: 'process' as const },
  'runhcs-wcow-hypervisor': { isolation: 'hyperv' as const, utilityVm: { memoryMiB: 768, processorCount: 2, memoryOverheadMiB: 256, processorOverhead: 1 } },
};

test('handlers: "" is process isolation; unknown names are InvalidArgument naming the configured ones', () => {
  assert.deepEqual(resolveHandler(handlers, ''), { isolation: 'process' });
  assert.equal(resolveHandler(handlers, 'runhcs-wcow-hypervisor').isolation, 'hyperv');
  assert.throws(() => resolveHandler(handlers, 'kata'), (e) => isRuntimeError(e, 'InvalidArgument')
    && /"kata" is not configured; configured handlers: "" \(default, process\), "runhcs-wcow-process" \(process\), "runhcs-wcow-hypervisor" \(hyperv\)/.test(e.message));
});

const pod = (extra: Partial<SandboxConfig> = {}): SandboxConfig => ({
  metadata: { name: 'p', uid: 'u', namespace: 'n', attempt: 0 }, hostname: '', logDirectory: '', portMappings: [], labels: {}, annotations: {},
  hostProcess: false, runAsUsername: '', credentialSpec: '', ...extra,
});

test('utility VM size: pod resources (or defaults) plus overhead; annotations win; vCPUs clamped to the host', () => {
  const h = handlers['runhcs-wcow-hypervisor'];
  assert.deepEqual(utilityVmSize(h, pod(), 8), { memoryMiB: 1024, processorCount: 3 });
  assert.deepEqual(utilityVmSize(h, pod({ resources: { memoryBytes: 2 * 1024 ** 3, cpus: 1.5 } }), 8), { memoryMiB: 2048 + 256, processorCount: 3 });
  assert.deepEqual(utilityVmSize(h, pod({ resources: { memoryBytes: 0, cpus: 6 } }), 4), { memoryMiB: 1024, processorCount: 4 });
  assert.deepEqual(utilityVmSize(h, pod({ annotations: { [VM_MEMORY_ANNOTATION]: '4096' } }), 8), { memoryMiB: 4096, processorCount: 3 });
  assert.throws(() => utilityVmSize(h, pod({ annotations: { [VM_MEMORY_ANNOTATION]: 'lots' } }), 8), (e) => isRuntimeError(e, 'InvalidArgument'));
});

const check = (isolation: 'process' | 'hyperv', osVersion: string | undefined, vmOsVersion?: string) =>
  () => checkImageOsVersion({ hostOsVersion: '10.0.20348', isolation, image: { name: 'img:1', osVersion }, vmOsVersion });
const mismatch = (e: unknown) => isRuntimeError(e, 'FailedPrecondition') && /HCS_E_IMAGE_MISMATCH \(0x80370101\)/.test(e.message);

test('OS build rule: process isolation only the host\'s build, Hyper-V older builds of the same major.minor', () => {
  check('process', '10.0.20348.2700')();
  check('process', undefined)();
  assert.throws(check('process', '10.0.17763.1'), (e) => mismatch(e) && /10\.0\.17763\.1.*10\.0\.20348/.test((e as Error).message));
  check('hyperv', '10.0.17763.1')();
  assert.throws(check('hyperv', '10.0.26100.1'), mismatch);
  assert.throws(check('hyperv', '6.3.9600.1'), mismatch);
  // Containers of one VM share the build it booted.
  check('hyperv', '10.0.17763.5', '10.0.17763.1')();
  assert.throws(check('hyperv', '10.0.20348.1', '10.0.17763.1'), (e) => mismatch(e) && /utility VM runs 10\.0\.17763\.1/.test((e as Error).message));
});
