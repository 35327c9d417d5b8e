/**
 * Where cgroups are available by design (root, a writable hierarchy), a container whose cgroup cannot be made,
 * limited or joined does not start without its limits: the start fails with ERROR_NOT_ENOUGH_QUOTA, which the
 * runtime returns as RESOURCE_EXHAUSTED with advice (cgroup-errors.ts, cri/errors.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { isolate, endIsolation } from '../../../../src/platform/emulator/service/isolate.js';
import { isolationFacts } from '../../../../src/platform/emulator/service/isolation.js';
import { cgroupSupport } from '../../../../src/platform/emulator/service/cgroup-support.js';
import { startFailure } from '../../../../src/platform/emulator/service/pid-pipe.js';
import type { SystemRecord } from '../../../../src/platform/emulator/service/records.js';
import { PlatformError } from '../../../../src/platform/hresult.js';
import { toServiceError } from '../../../../src/cri/errors.js';
import { containerDoc } from './helpers.js';

const facts = isolationFacts();
const sup = cgroupSupport();
const skip = !facts.Enabled ? `no isolation here: ${facts.Reason}` : !sup ? 'no writable cgroup hierarchy here' : false;

test('a system whose cgroup cannot be made fails to start (ERROR_NOT_ENOUGH_QUOTA → RESOURCE_EXHAUSTED); nothing runs', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-cg-fail-'));
  const root = join(dir, 'root');
  mkdirSync(root);
  const s: SystemRecord = { id: 'nolimits', document: containerDoc({ Memory: { SizeInMB: 64 } }), state: 'Created', root, createdAt: new Date().toISOString(), processes: [] };
  // A hosting system whose cgroup is not a directory (a real mkdir failure: ENOTDIR) holds this one's.
  const vm: SystemRecord = { id: 'vm', document: containerDoc(), state: 'Running', createdAt: s.createdAt, processes: [],
    isolation: { created: [], cgroup: { version: sup!.version, dirs: sup!.roots.map(() => '/dev/null/wincri-test') } } };
  t.after(() => { endIsolation(s, () => undefined); rmSync(dir, { recursive: true, force: true }); });
  const logged: string[] = [];
  const e = await isolate(s, vm, () => undefined, (m) => logged.push(m), join(dir, 'state')).then(() => undefined, (x: unknown) => x);
  assert.ok(e instanceof PlatformError, `the start fails (it ran without limits: ${logged.join('; ')})`);
  assert.equal(e.code, 'ERROR_NOT_ENOUGH_QUOTA');
  assert.match(e.message, /resource limits \(cgroup\) of nolimits: .*ENOTDIR/);
  assert.equal(s.holder, undefined, 'no namespace holder was started');
  const se = toServiceError(e);
  assert.equal(se.code, status.RESOURCE_EXHAUSTED);
  assert.match(se.details!, /free resources on the node or fix the hierarchy/);
});

test('a program that cannot join its cgroup fails HcsCreateProcess with ERROR_NOT_ENOUGH_QUOTA', () => {
  const e = startFailure('HcsCreateProcess', 'app.exe', 2, 'cgroup');
  assert.equal(e.code, 'ERROR_NOT_ENOUGH_QUOTA');
  assert.match(e.message, /app\.exe: cannot join the container's cgroup/);
  assert.equal(toServiceError(e).code, status.RESOURCE_EXHAUSTED);
});
