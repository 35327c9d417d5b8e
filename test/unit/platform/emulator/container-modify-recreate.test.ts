/**
 * A live limit update of an isolated container whose recorded cgroup is gone (service/modify.ts applyModify): the
 * request is validated first, then the cgroup made again with the new limits, each limit file written once (was:
 * made again with the old limits, then the new ones written over them; and made again even for a request then
 * refused). A write that fails leaves the document as it was. Plain directories stand in for the cgroup; the
 * writes are seen through node:fs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs, { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyModify } from '../../../../src/platform/emulator/service/modify.js';
import type { SystemRecord } from '../../../../src/platform/emulator/service/records.js';
import type { SystemCgroup } from '../../../../src/platform/emulator/service/cgroups.js';

const MiB = 1024 * 1024;

/** Runs `fn` recording every writeFileSync (file, text) it makes, through the ES module bindings too. */
function writesOf(fn: () => void): [string, string][] {
  const seen: [string, string][] = [];
  const real = fs.writeFileSync;
  fs.writeFileSync = ((file: fs.PathOrFileDescriptor, data: string | NodeJS.ArrayBufferView, o?: fs.WriteFileOptions) => {
    seen.push([String(file), String(data)]);
    real(file, data, o);
  }) as typeof fs.writeFileSync;
  syncBuiltinESMExports();
  try { fn(); } finally {
    fs.writeFileSync = real;
    syncBuiltinESMExports();
  }
  return seen;
}

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
