import { test } from 'node:test';
import assert from 'node:assert/strict';
import { claimingNamer, recordedNamer, releaseShares, forgetShares } from '../../../src/runtime/hyperv/vsmb-book.js';
import { vsmbHostedStorage, vsmbGuestPath, vsmbOptions } from '../../../src/platform/hcs/document/index.js';
import type { ContainerDoc } from '../../../src/platform/hcs/schema/index.js';
import type { UtilityVmRecord, VsmbShareRecord } from '../../../src/runtime/model.js';
import { isRuntimeError } from '../../../src/errors.js';

const vmRec = (): UtilityVmRecord => ({ id: 'p@vm', memoryMiB: 768, processorCount: 2, created: true });
const doc = (layers: string[], dirs: { path: string; ro?: boolean }[]): ContainerDoc => ({
  Storage: { Layers: layers.map((p, i) => ({ Id: `l${i}`, Path: p })), Path: '\\\\?\\Volume{x}\\' },
  MappedDirectories: dirs.map((d, i) => ({ HostPath: d.path, ContainerPath: `C:\\m${i}`, ReadOnly: !!d.ro })),
});

function claim(vm: UtilityVmRecord, id: string, c: ContainerDoc): { created: VsmbShareRecord[]; container: ContainerDoc } {
  const created: VsmbShareRecord[] = [];
  const { container } = vsmbHostedStorage(c, claimingNamer(vm, id, created));
  return { created, container };
}

test('VSMB bookkeeping: a layer shared by two containers is shared once and removed with its last user', () => {
  const vm = vmRec();
  const a = claim(vm, 'a', doc(['/l/top', '/l/base'], [{ path: '/data', ro: true }]));
  assert.deepEqual(a.created.map((s) => [s.name, s.path]), [['s1', '/l/top'], ['s2', '/l/base'], ['s3', '/data']]);
  assert.deepEqual(a.created[0]!.options, vsmbOptions(true, true));
  assert.deepEqual(a.created[2]!.options, vsmbOptions(true));
  assert.deepEqual(a.container.Storage!.Layers!.map((l) => l.Path), [vsmbGuestPath('s1'), vsmbGuestPath('s2')]);
  assert.equal(a.container.MappedDirectories![0]!.HostPath, vsmbGuestPath('s3'));

  // b shares the base layer; the same folder mounted read-write is a share of its own (other options).
  const b = claim(vm, 'b', doc(['/l/base'], [{ path: '/data' }]));
  assert.deepEqual(b.created.map((s) => [s.name, s.path]), [['s4', '/data']]);
  assert.equal(b.container.Storage!.Layers![0]!.Path, vsmbGuestPath('s2'));
  assert.deepEqual(vm.vsmb!.find((s) => s.name === 's2')!.users, ['a', 'b']);

  // Claiming again (before start) changes nothing.
  assert.deepEqual(claim(vm, 'b', doc(['/l/base'], [{ path: '/data' }])).created, []);

  // The recorded namer rebuilds b's document without claiming.
  assert.deepEqual(vsmbHostedStorage(doc(['/l/base'], [{ path: '/data' }]), recordedNamer(vm)).container, b.container);

  assert.deepEqual(releaseShares(vm, 'a').map((s) => s.name), ['s1', 's3']);
  assert.deepEqual(vm.vsmb!.map((s) => s.name), ['s2', 's4']);
  assert.deepEqual(releaseShares(vm, 'b').map((s) => s.name), ['s2', 's4']);
  assert.deepEqual(vm.vsmb, []);
  // Names are not reused while the VM runs.
  assert.deepEqual(claim(vm, 'c', doc(['/l/base'], [])).created.map((s) => s.name), ['s5']);
  forgetShares(vm);
  assert.equal(vm.vsmb, undefined);
  assert.equal(vm.vsmbNext, undefined);
});

test('VSMB bookkeeping: a folder with no recorded share is FailedPrecondition, not a host path', () => {
  const vm = vmRec();
  claim(vm, 'a', doc(['/l/base'], []));
  assert.throws(() => vsmbHostedStorage(doc(['/l/other'], []), recordedNamer(vm)), (e: unknown) => isRuntimeError(e, 'FailedPrecondition') && /no VSMB share recorded for \/l\/other/.test(e.message));
});
