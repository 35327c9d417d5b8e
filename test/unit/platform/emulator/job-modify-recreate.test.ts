/**
 * A live limit update of a job container (HostProcess) whose recorded cgroup is gone (service/job-limits.ts
 * modifyJob): the cgroup is made again with the new limits, each limit file written once (was: made with the old
 * limits, then the new ones written over them), and the CPU count of the request is turned into the cgroup's quota
 * with the same host processor count that turned it into the job's rate; the making is logged once, as a container's
 * is (was: not at all). Plain directories stand in for the cgroup; the writes are seen through node:fs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs, { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modifyJob } from '../../../../src/platform/emulator/service/job-limits.js';
import { writesOf, failingWrites } from '../../../helpers/fs-writes.js';
import type { SystemRecord } from '../../../../src/platform/emulator/service/records.js';
import type { SystemCgroup } from '../../../../src/platform/emulator/service/cgroups.js';

const MiB = 1024 * 1024;

/** A directory of the test's own, removed after it. */
function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-job-modify-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function job(dir: string, cgroup: SystemCgroup): SystemRecord {
  return {
    id: 'hpc', state: 'Running',
    job: { document: { Limits: { JobMemoryLimitInBytes: 64 * MiB, CpuRate: 2500 } }, cgroup },
  } as unknown as SystemRecord;
}

for (const version of [2, 1] as const) {
  test(`a job's cgroup (v${version}) gone under its record: a CPU update makes it again with the new limits, one write each, at the request's host CPU count`, (t) => {
    const dir = tempDir(t);
    const cg: SystemCgroup = { version, dirs: version === 2 ? [join(dir, 'hpc')] : [join(dir, 'memory', 'hpc'), join(dir, 'cpu', 'hpc')] };
    const s = job(dir, cg);
    // Three of 6 processors: half the host's rate, which is three CPUs' quota only when counted with the same 6
    // (this host has another count, which the two-write version used for its first write).
    const logged: string[] = [];
    const writes = writesOf(() => modifyJob(s, { ResourcePath: 'Container/Processor', RequestType: 'Update', Settings: { Count: 3 } }, (m) => logged.push(m), 6));
    assert.ok(cg.dirs.every((d) => existsSync(d)), 'made again');
    assert.equal(logged.filter((m) => /was gone; made again/.test(m)).length, 1, `said once: ${logged.join('; ')}`);
    const files = writes.map(([f]) => f);
    assert.deepEqual(files, [...new Set(files)], `each limit file written once: ${files.join(', ')}`);
    const read = (d: string, f: string) => readFileSync(join(d, f), 'utf8');
    if (version === 2) {
      assert.equal(read(cg.dirs[0]!, 'cpu.max'), '300000 100000', 'three CPUs');
      assert.equal(read(cg.dirs[0]!, 'memory.max'), String(64 * MiB), 'the memory limit kept');
    } else {
      assert.equal(read(cg.dirs[1]!, 'cpu.cfs_quota_us'), '300000', 'three CPUs');
      assert.equal(read(cg.dirs[0]!, 'memory.limit_in_bytes'), String(64 * MiB), 'the memory limit kept');
    }
    assert.deepEqual(s.job!.document.Limits, { JobMemoryLimitInBytes: 64 * MiB, CpuRate: 5000 });
  });
}

test('a job\'s cgroup that is there: the update is written once, as before', (t) => {
  const dir = tempDir(t);
  const cg: SystemCgroup = { version: 2, dirs: [join(dir, 'hpc')] };
  fs.mkdirSync(cg.dirs[0]!);
  const s = job(dir, cg);
  const logged: string[] = [];
  const writes = writesOf(() => modifyJob(s, { ResourcePath: 'Container/Memory/SizeInMB', RequestType: 'Update', Settings: 96 }, (m) => logged.push(m), 6));
  assert.deepEqual(logged, [], 'nothing made, nothing said');
  assert.deepEqual(writes.map(([f]) => f.slice(cg.dirs[0]!.length + 1)), ['memory.max', 'cpu.max', 'cpu.weight']);
  assert.equal(readFileSync(join(cg.dirs[0]!, 'memory.max'), 'utf8'), String(96 * MiB));
});

test('a job\'s limit update whose write fails part way: the cgroup gets the recorded limits back, the document keeps them', (t) => {
  const dir = tempDir(t);
  const cg: SystemCgroup = { version: 2, dirs: [join(dir, 'hpc')] };
  fs.mkdirSync(cg.dirs[0]!);
  const s = job(dir, cg);
  failingWrites('cpu.max', 1, () => assert.throws(
    () => modifyJob(s, { ResourcePath: 'Container/Memory/SizeInMB', RequestType: 'Update', Settings: 96 }, () => undefined, 6), /EIO/));
  assert.equal(readFileSync(join(cg.dirs[0]!, 'memory.max'), 'utf8'), String(64 * MiB), 'the recorded limit written back');
  assert.equal(readFileSync(join(cg.dirs[0]!, 'cpu.max'), 'utf8'), '150000 100000', 'the recorded rate (a quarter of 6 CPUs)');
  assert.deepEqual(s.job!.document.Limits, { JobMemoryLimitInBytes: 64 * MiB, CpuRate: 2500 });
});

test('a job\'s gone cgroup (v1) whose making fails: every directory made is removed again', (t) => {
  const dir = tempDir(t);
  const cg: SystemCgroup = { version: 1, dirs: [join(dir, 'memory', 'hpc'), join(dir, 'cpu', 'hpc')] };
  const s = job(dir, cg);
  failingWrites('memory.limit_in_bytes', 1, () => assert.throws(
    () => modifyJob(s, { ResourcePath: 'Container/Memory/SizeInMB', RequestType: 'Update', Settings: 96 }, () => undefined, 6), /EIO/));
  assert.deepEqual(fs.readdirSync(dir), [], 'nothing left for the next use to take as made');
  assert.deepEqual(s.job!.document.Limits, { JobMemoryLimitInBytes: 64 * MiB, CpuRate: 2500 });
});
