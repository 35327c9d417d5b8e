/** Per-call platform deadlines: a hung call fails with HCS_E_OPERATION_TIMEOUT; what it does late is undone. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status as Status } from '@grpc/grpc-js';
import { platformWithDeadlines } from '../../../src/daemon/platform-deadline.js';
import { PlatformError } from '../../../src/platform/hresult.js';
import { toServiceError } from '../../../src/cri/errors.js';
import type { Platform } from '../../../src/platform/types.js';
import { waitFor } from '../../helpers/wait-for.js';

function fakePlatform() {
  const calls: string[] = [];
  const gates = new Map<string, () => void>();
  const hang = (op: string) => new Promise<void>((r) => gates.set(op, r));
  const system = {
    id: 's1', start: async () => { calls.push('start'); }, terminate: async () => { calls.push('terminate'); }, close: () => { calls.push('close'); },
    waitExit: () => hang('waitExit'),
  };
  const platform = {
    name: 'emulator', host: { osVersion: '10.0.20348', architecture: 'amd64' },
    compute: { createComputeSystem: async (id: string) => { await hang('createComputeSystem'); calls.push(`created ${id}`); return system; } },
    jobs: {},
    network: {
      createNamespace: async (id: string) => { await hang('createNamespace'); calls.push(`createNamespace ${id}`); return { Id: id }; },
      deleteNamespace: async (id: string) => { calls.push(`deleteNamespace ${id}`); },
      queryNamespace: async (id: string) => ({ Id: id }),
    },
    storage: { importLayer: () => hang('importLayer') },
    close: async () => undefined,
  } as unknown as Platform;
  return { platform, calls, gates };
}
const poll = { timeoutMs: 120_000, intervalMs: 2 };

test('a hung call fails with HCS_E_OPERATION_TIMEOUT → DeadlineExceeded and a message naming the key; other calls go on', async () => {
  const f = fakePlatform();
  const p = platformWithDeadlines(f.platform, 30);
  const hung = p.network.createNamespace('ns-1', {} as never);
  assert.deepEqual(await p.network.queryNamespace('ns-2'), { Id: 'ns-2' }, 'another call is answered meanwhile');
  const e = await hung.then(() => assert.fail('resolved'), (x: unknown) => x as PlatformError);
  assert.ok(e instanceof PlatformError);
  assert.equal(e.code, 'HCS_E_OPERATION_TIMEOUT');
  assert.equal(e.operation, 'createNamespace');
  assert.match(e.message, /limits\.platformCallTimeoutSeconds/);
  assert.equal(toServiceError(e).code, Status.DEADLINE_EXCEEDED);
  // The service answers late: the namespace it created is deleted again.
  f.gates.get('createNamespace')!();
  await waitFor('the namespace deleted', () => f.calls.includes('deleteNamespace ns-1'), poll);
  assert.deepEqual(f.calls, ['createNamespace ns-1', 'deleteNamespace ns-1']);
});

test('a compute system created after its deadline is terminated and closed; calls on systems are bounded too; waits are not', async () => {
  const f = fakePlatform();
  const p = platformWithDeadlines(f.platform, 30);
  await assert.rejects(p.compute.createComputeSystem('c1', {} as never), /HCS_E_OPERATION_TIMEOUT/);
  f.gates.get('createComputeSystem')!();
  await waitFor('the system closed', () => f.calls.includes('close'), poll);
  assert.deepEqual(f.calls, ['created c1', 'terminate', 'close']);

  const g = fakePlatform();
  const q = platformWithDeadlines(g.platform, 60_000);
  const created = q.compute.createComputeSystem('c2', {} as never);
  await waitFor('createComputeSystem held at its gate', () => g.gates.has('createComputeSystem'), poll);
  g.gates.get('createComputeSystem')!();
  const sys = await created;
  await sys.start();
  assert.deepEqual(g.calls, ['created c2', 'start']);
  // waitExit and importLayer are not bounded: still pending long after a short deadline would have fired
  const r = platformWithDeadlines(fakePlatform().platform, 1);
  const imp = r.storage.importLayer('a', 'b', {} as never).then(() => 'done', () => 'failed');
  await new Promise((x) => setTimeout(x, 30));
  assert.equal(await Promise.race([imp, Promise.resolve('pending')]), 'pending');
});

test('an endpoint HNS named itself (the caller passed no id) is deleted by the id it answered with', async () => {
  const calls: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const platform = {
    name: 'emulator', host: { osVersion: '10.0.20348', architecture: 'amd64' }, compute: {}, jobs: {}, storage: {},
    network: {
      createEndpoint: async (_net: string, id: string) => { await gate; calls.push(`createEndpoint '${id}'`); return { ID: 'ep-from-hns' }; },
      deleteEndpoint: async (id: string) => { calls.push(`deleteEndpoint ${id}`); },
    },
    close: async () => undefined,
  } as unknown as Platform;
  const p = platformWithDeadlines(platform, 20);
  await assert.rejects(p.network.createEndpoint('net-1', '', {} as never), /HCS_E_OPERATION_TIMEOUT/);
  release();
  await waitFor('both calls', () => calls.length === 2, poll);
  assert.deepEqual(calls, ["createEndpoint ''", 'deleteEndpoint ep-from-hns']);
});

test('stdio a process reopens after its deadline (a keeper takeover that gave up) is destroyed: nobody holds it', async () => {
  const { PassThrough } = await import('node:stream');
  let open!: () => void;
  const gate = new Promise<void>((r) => { open = r; });
  const streams = { stdout: new PassThrough(), stderr: new PassThrough(), stdin: new PassThrough() };
  const proc = {
    pid: 7, stdio: {},
    reopenOutput: async () => { await gate; return { stdout: streams.stdout, stderr: streams.stderr }; },
    reopenStdin: async () => { await gate; return streams.stdin; },
  };
  const system = { id: 's1', openProcess: async () => proc, close: () => undefined };
  const platform = {
    name: 'emulator', host: { osVersion: '10.0.20348', architecture: 'amd64' },
    compute: { openComputeSystem: async () => system }, jobs: {}, network: {}, storage: {}, close: async () => undefined,
  } as unknown as Platform;
  const p = platformWithDeadlines(platform, 30);
  const sys = await p.compute.openComputeSystem('s1');
  const bounded = await sys.openProcess(7);
  await assert.rejects(bounded.reopenOutput!(), /HCS_E_OPERATION_TIMEOUT/);
  await assert.rejects(bounded.reopenStdin!(), /HCS_E_OPERATION_TIMEOUT/);
  open();
  await waitFor('the late streams destroyed', () => Object.values(streams).every((s) => s.destroyed), poll);
});

test('a port-forward connection dialled after its deadline is destroyed (its relay into the pod does not stay open)', async () => {
  const { PassThrough } = await import('node:stream');
  const conn = new PassThrough();
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const platform = {
    name: 'emulator', host: { osVersion: '10.0.20348', architecture: 'amd64' }, compute: {}, jobs: {}, storage: {},
    network: { dialInNamespace: async () => { await gate; return conn; } },
    close: async () => undefined,
  } as unknown as Platform;
  const p = platformWithDeadlines(platform, 20);
  await assert.rejects(p.network.dialInNamespace!('ns-1', 80), /HCS_E_OPERATION_TIMEOUT/);
  release();
  await waitFor('the late connection destroyed', () => conn.destroyed, poll);
});

test('a wait on a created process is not bounded, though the handle makes it through its own request method', async () => {
  let exit!: (v: unknown) => void;
  class Proc {
    readonly pid = 7;
    private call(method: string): Promise<unknown> { return method === 'waitProcess' ? new Promise((r) => { exit = r; }) : Promise.resolve(); }
    waitExit(): Promise<unknown> { return this.call('waitProcess'); }
    terminate(): Promise<unknown> { return this.call('terminateProcess'); }
  }
  const platform = {
    name: 'emulator', host: { osVersion: '10.0.20348', architecture: 'amd64' }, jobs: {}, network: {}, storage: {},
    compute: { createComputeSystem: async () => ({ id: 's', createProcess: async () => new Proc() }) },
    close: async () => undefined,
  } as unknown as Platform;
  const p = platformWithDeadlines(platform, 20);
  const proc = await (await p.compute.createComputeSystem('s', {} as never)).createProcess({} as never);
  const waited = proc.waitExit().then((v) => ({ v }), (e: Error) => ({ e: e.message }));
  await new Promise((r) => setTimeout(r, 100)); // well past the deadline
  exit({ ExitCode: 3 });
  assert.deepEqual(await waited, { v: { ExitCode: 3 } });
});
