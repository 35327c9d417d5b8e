/**
 * A live limit update of an isolated container whose recorded cgroup is gone (service/modify.ts applyModify): the
 * request is validated first, then the cgroup made again with the new limits, each limit file written once (was:
 * made again with the old limits, then the new ones written over them; and made again even for a request then
 * refused). A write that fails leaves the document as it was, and the cgroup with the recorded limits: written
 * back where it was there, gone again where it was just made (was: some of the new limits, which `describe` did not
 * show and the next use took as made). The same through ComputeEmulator.modify. Plain directories stand in for the
 * cgroup; the writes are seen (and failed) through node:fs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyModify } from '../../../../src/platform/emulator/service/modify.js';
import { ComputeEmulator } from '../../../../src/platform/emulator/service/compute.js';
import { writesOf, failingWrites } from '../../../helpers/fs-writes.js';
import type { SystemRecord } from '../../../../src/platform/emulator/service/records.js';
import type { SystemCgroup } from '../../../../src/platform/emulator/service/cgroups.js';

const MiB = 1024 * 1024;

function container(t: { after(fn: () => void): void }, version: 1 | 2): { s: SystemRecord; cg: SystemCgroup } {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-container-modify-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cg: SystemCgroup = { version, dirs: version === 2 ? [join(dir, 'c1')] : [join(dir, 'memory', 'c1'), join(dir, 'cpu', 'c1')] };
  const s = {
    id: 'c1', state: 'Running',
    document: { Container: { Memory: { SizeInMB: 64 }, Processor: { Weight: 200 } } },
    isolation: { created: [], cgroup: cg },
  } as unknown as SystemRecord;
  return { s, cg };
}

const memoryUpdate = (mb: unknown) => ({ ResourcePath: 'Container/Memory/SizeInMB', RequestType: 'Update', Settings: mb }) as never;

for (const version of [2, 1] as const) {
  test(`a container's cgroup (v${version}) gone under its record: a memory update makes it again with the new limit, one write each`, (t) => {
    const { s, cg } = container(t, version);
    const logged: string[] = [];
    const writes = writesOf(() => applyModify('HcsModifyComputeSystem', s, memoryUpdate(96), { hosting: undefined, log: (m) => logged.push(m) }));
    assert.ok(cg.dirs.every((d) => existsSync(d)), 'made again');
    assert.match(logged.join('\n'), /was gone; made again/);
    const files = writes.map(([f]) => f);
    assert.deepEqual(files, [...new Set(files)], `each limit file written once: ${files.join(', ')}`);
    const mem = version === 2 ? join(cg.dirs[0]!, 'memory.max') : join(cg.dirs[0]!, 'memory.limit_in_bytes');
    assert.equal(readFileSync(mem, 'utf8'), String(96 * MiB));
    assert.deepEqual(s.document.Container!.Memory, { SizeInMB: 96 });
    assert.equal(s.document.Container!.Processor!.Weight, 200, 'the other settings kept');
  });
}

test('a refused request leaves a gone cgroup gone (validated first); a failed limit write leaves the document as it was', (t) => {
  const { s, cg } = container(t, 2);
  assert.throws(() => applyModify('HcsModifyComputeSystem', s, memoryUpdate(-1), { hosting: undefined, log: () => undefined }), /uint64/);
  assert.equal(existsSync(cg.dirs[0]!), false, 'nothing made for a refused request');

  mkdirSync(join(cg.dirs[0]!, 'memory.max'), { recursive: true }); // the cgroup is there, its limit file cannot be written
  assert.throws(() => applyModify('HcsModifyComputeSystem', s, memoryUpdate(96), { hosting: undefined, log: () => undefined }), /resource limits/);
  assert.deepEqual(s.document.Container!.Memory, { SizeInMB: 64 }, 'not recorded');
});

test('a container\'s cgroup that is there: the update is written once, as before', (t) => {
  const { s, cg } = container(t, 2);
  mkdirSync(cg.dirs[0]!, { recursive: true });
  const writes = writesOf(() => applyModify('HcsModifyComputeSystem', s, memoryUpdate(128), { hosting: undefined, log: () => undefined }));
  assert.deepEqual(writes.map(([f]) => f.slice(cg.dirs[0]!.length + 1)), ['memory.max', 'cpu.max', 'cpu.weight']);
  assert.equal(readFileSync(join(cg.dirs[0]!, 'memory.max'), 'utf8'), String(128 * MiB));
});

test('a limit write that fails part way on a cgroup that is there: the recorded limits are written back', (t) => {
  const { s, cg } = container(t, 2);
  mkdirSync(cg.dirs[0]!, { recursive: true });
  const logged: string[] = [];
  // memory.max takes the new 96 MiB, then cpu.max fails.
  failingWrites('cpu.max', 1, () => assert.throws(
    () => applyModify('HcsModifyComputeSystem', s, memoryUpdate(96), { hosting: undefined, log: (m) => logged.push(m) }), /resource limits.*EIO/));
  assert.deepEqual(s.document.Container!.Memory, { SizeInMB: 64 }, 'not recorded');
  assert.equal(readFileSync(join(cg.dirs[0]!, 'memory.max'), 'utf8'), String(64 * MiB), 'the cgroup holds the recorded limit again');
  assert.equal(readFileSync(join(cg.dirs[0]!, 'cpu.weight'), 'utf8'), '200');
  assert.equal(logged.length, 0, logged.join('; '));

  // Writing back fails too: said in the log, the update's own error thrown.
  failingWrites('cpu.max', 2, () => assert.throws(
    () => applyModify('HcsModifyComputeSystem', s, memoryUpdate(96), { hosting: undefined, log: (m) => logged.push(m) }), /resource limits.*EIO/));
  assert.match(logged.join('\n'), /could not be written back/);
});

test('a gone cgroup whose making fails: the directory made is removed again, and the next use makes it with its limits', (t) => {
  const { s, cg } = container(t, 2);
  const logged: string[] = [];
  const at = { hosting: undefined, log: (m: string) => logged.push(m) };
  failingWrites('memory.max', 1, () => assert.throws(() => applyModify('HcsModifyComputeSystem', s, memoryUpdate(96), at), /resource limits.*EIO/));
  assert.equal(existsSync(cg.dirs[0]!), false, 'not left there, without its limits');
  assert.deepEqual(s.document.Container!.Memory, { SizeInMB: 64 }, 'not recorded');
  assert.doesNotMatch(logged.join('\n'), /made again/);

  applyModify('HcsModifyComputeSystem', s, memoryUpdate(96), at);
  assert.equal(readFileSync(join(cg.dirs[0]!, 'memory.max'), 'utf8'), String(96 * MiB), 'made again, with the limit');
  assert.match(logged.join('\n'), /was gone; made again/);
});

test('through ComputeEmulator.modify: a refused request makes nothing, an accepted one makes the gone cgroup once with the new limit', async (t) => {
  const { s, cg } = container(t, 2);
  const stateDir = mkdtempSync(join(tmpdir(), 'wincri-container-modify-state-'));
  t.after(() => rmSync(stateDir, { recursive: true, force: true }));
  const logged: string[] = [];
  const persist = { trySave: async () => true };
  const emu = new ComputeEmulator(stateDir, persist as never, {} as never, () => undefined, (m) => logged.push(m));
  (emu as unknown as { systems: Map<string, SystemRecord> }).systems.set(s.id, s);

  await assert.rejects(emu.modify(s.id, JSON.stringify(memoryUpdate(-1))), /uint64/);
  assert.equal(existsSync(cg.dirs[0]!), false, 'nothing made for a refused request');

  let modified: Promise<void> | undefined;
  const writes = writesOf(() => { modified = emu.modify(s.id, JSON.stringify(memoryUpdate(96))); });
  await modified;
  const files = writes.map(([f]) => f);
  assert.deepEqual(files, [...new Set(files)], `each limit file written once: ${files.join(', ')}`);
  assert.equal(readFileSync(join(cg.dirs[0]!, 'memory.max'), 'utf8'), String(96 * MiB));
  assert.deepEqual(s.document.Container!.Memory, { SizeInMB: 96 });
  assert.equal(logged.filter((m) => /was gone; made again/.test(m)).length, 1);
});
