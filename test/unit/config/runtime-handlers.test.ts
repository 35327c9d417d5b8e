import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configFromDocument, defaults, ConfigError } from '../../../src/config/config.js';

const problems = (doc: unknown): string[] => {
  try { configFromDocument(doc); } catch (e) { if (e instanceof ConfigError) return e.problems; throw e; }
  return [];
};

test('runtimeHandlers defaults: containerd\'s process and hypervisor handlers', () => {
  const h = defaults('win32').runtimeHandlers;
  assert.deepEqual(h['runhcs-wcow-process'], { isolation: 'process' });
  assert.equal(h['runhcs-wcow-hypervisor']?.isolation, 'hyperv');
  assert.deepEqual(h['runhcs-wcow-hypervisor']?.utilityVm, { memoryMiB: 768, processorCount: 2, memoryOverheadMiB: 256, processorOverhead: 0 });
});

test('runtimeHandlers: the older list form means process isolation for each name', () => {
  const c = configFromDocument({ runtimeHandlers: ['runhcs-wcow-process', 'fast'] });
  assert.deepEqual(c.runtimeHandlers, { 'runhcs-wcow-process': { isolation: 'process' }, fast: { isolation: 'process' } });
  assert.deepEqual(problems({ runtimeHandlers: ['a', 1] }), ['runtimeHandlers[1]: expected a string, got number 1']);
});

test('runtimeHandlers map: isolation, utility-VM sizing with defaults for what is not given', () => {
  const c = configFromDocument({
    runtimeHandlers: { proc: { isolation: 'process' }, plain: null, vm: { isolation: 'hyperv', utilityVm: { memoryOverheadMiB: 512, processorCount: 4 } } },
  });
  assert.deepEqual(c.runtimeHandlers.proc, { isolation: 'process' });
  assert.deepEqual(c.runtimeHandlers.plain, { isolation: 'process' });
  assert.deepEqual(c.runtimeHandlers.vm, { isolation: 'hyperv', utilityVm: { memoryMiB: 768, processorCount: 4, memoryOverheadMiB: 512, processorOverhead: 0 } });
  // The map replaces the defaults (an operator lists the handlers the node serves).
  assert.equal(c.runtimeHandlers['runhcs-wcow-hypervisor'], undefined);
});

test('runtimeHandlers map: every problem with its path', () => {
  assert.deepEqual(problems({
    runtimeHandlers: {
      Bad_Name: {}, a: { isolation: 'kvm' }, b: { isolation: 'process', utilityVm: {} }, c: { isolation: 'hyperv', utilityVm: { memoryMiB: 0, cpus: 2 } }, d: { extra: 1 },
    },
  }), [
    'runtimeHandlers.Bad_Name: a handler name is a DNS label or subdomain (what RuntimeClass.handler allows)',
    'runtimeHandlers.a.isolation: must be "process" or "hyperv", got string "kvm"',
    'runtimeHandlers.b.utilityVm: only a hyperv handler has a utility VM',
    'runtimeHandlers.c.utilityVm.memoryMiB: expected a whole number >= 1, got number 0',
    'runtimeHandlers.c.utilityVm.cpus: unknown key',
    'runtimeHandlers.d.extra: unknown key',
  ]);
  assert.deepEqual(problems({ runtimeHandlers: 'x' }), ['runtimeHandlers: expected a mapping of handler name to settings (or a list of names), got string "x"']);
});
