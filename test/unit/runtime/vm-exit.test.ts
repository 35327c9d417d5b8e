/**
 * The runtime's watch of a utility VM (runtime/hyperv/vm-exit.ts) against a stand-in compute service whose VM
 * exits when the test says: an unexpected exit marks the pod's running containers EXITED with UtilityVMExited,
 * the pod NOTREADY and emits the events; an exit after the runtime unwatched the VM (its own stop) changes nothing;
 * a keeper exit report of a container whose VM is down carries the same reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuntimeState, type ContainerEvent, type StoredContainer, type RuntimeOptions } from '../../../src/runtime/state.js';
import { RecordStore } from '../../../src/runtime/store.js';
import type { SandboxRecord } from '../../../src/runtime/model.js';
import type { SystemExitStatusDoc } from '../../../src/platform/hcs/schema/index.js';
import { watchUtilityVm } from '../../../src/runtime/hyperv/vm-exit.js';
import { unwatchUtilityVm, diedWithUtilityVm } from '../../../src/runtime/hyperv/vm-watches.js';

const VM = 'p1@vm';

async function setup(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-vmexit-unit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let exit!: (s: SystemExitStatusDoc) => void;
  const exited = new Promise<SystemExitStatusDoc>((r) => { exit = r; });
  let vmState = 'Running';
  const system = { id: VM, waitExit: () => exited, getProperties: async () => ({ State: vmState }), close: () => undefined };
  const opts = {
    platform: { compute: { openComputeSystem: async () => system } },
    keeper: { ack: async () => undefined, forget: async () => undefined },
    scratchDir: join(dir, 'scratch'),
  } as unknown as RuntimeOptions;
  const st = new RuntimeState(opts, await RecordStore.open<SandboxRecord>(join(dir, 's')), await RecordStore.open<StoredContainer>(join(dir, 'c')));
  const pod = { id: 'p1', state: 'SANDBOX_READY', isolation: 'hyperv', utilityVm: { id: VM, memoryMiB: 512, processorCount: 1, created: true } } as unknown as SandboxRecord;
  await st.sandboxes.save(pod);
  const ctr = { id: 'c1', sandboxId: 'p1', state: 'CONTAINER_RUNNING' } as unknown as StoredContainer;
  await st.containers.save(ctr);
  const events: ContainerEvent[] = [];
  st.events.on('event', (e: ContainerEvent) => events.push(e));
  const stopped = (id: string) => new Promise<void>((r) => st.events.on('event', (e: ContainerEvent) => { if (e.containerId === id && e.type === 'CONTAINER_STOPPED_EVENT') r(); }));
  return { st, exit: (s: SystemExitStatusDoc) => { vmState = 'Stopped'; exit(s); }, setState: (v: string) => { vmState = v; }, events, stopped };
}

test('an unexpected VM exit: containers EXITED (UtilityVMExited), pod NOTREADY, stopped events for both', async (t) => {
  const { st, exit, events, stopped } = await setup(t);
  watchUtilityVm(st, 'p1', VM);
  assert.equal(await diedWithUtilityVm(st, 'p1'), undefined, 'a running VM explains no exit');
  const podStopped = stopped('p1');
  exit({ Status: 0, ExitType: 'UnexpectedExit' });
  await podStopped;
  const c = st.containers.get('c1')!;
  assert.equal(c.state, 'CONTAINER_EXITED');
  assert.equal(c.reason, 'UtilityVMExited');
  assert.match(c.message ?? '', /utility VM p1@vm exited unexpectedly \(UnexpectedExit\)/);
  assert.equal(st.sandboxes.get('p1')!.state, 'SANDBOX_NOTREADY');
  assert.equal(st.sandboxes.get('p1')!.utilityVm!.created, false);
  assert.deepEqual(events.map((e) => [e.containerId, e.type]), [['c1', 'CONTAINER_STOPPED_EVENT'], ['p1', 'CONTAINER_STOPPED_EVENT']]);
});

test('the runtime\'s own stop of the VM is not an unexpected exit', async (t) => {
  const { st, exit, events } = await setup(t);
  watchUtilityVm(st, 'p1', VM);
  unwatchUtilityVm(st, VM); // what stopUtilityVm does before it stops the VM
  exit({ Status: 0, ExitType: 'ForcedExit' });
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r)); // the watch's promise chain has run
  assert.equal(st.containers.get('c1')!.state, 'CONTAINER_RUNNING');
  assert.equal(st.sandboxes.get('p1')!.state, 'SANDBOX_READY');
  assert.deepEqual(events, []);
});

test('a container exit reported while its watched VM is down is explained by the VM (the keeper path)', async (t) => {
  const { st, setState } = await setup(t);
  setState('Stopped');
  assert.match((await diedWithUtilityVm(st, 'p1'))!, /exited unexpectedly/, 'before recovery (an exit the keeper kept while the daemon was down)');
  st.ready = true;
  setState('Running');
  assert.equal(await diedWithUtilityVm(st, 'p1'), undefined, 'not watched');
  watchUtilityVm(st, 'p1', VM);
  setState('Stopped'); // stopped, its exit event not delivered yet
  assert.match((await diedWithUtilityVm(st, 'p1'))!, /utility VM p1@vm exited unexpectedly \(Stopped\)/);
  unwatchUtilityVm(st, VM);
  assert.equal(await diedWithUtilityVm(st, 'p1'), undefined, 'not watched: the runtime is stopping it');
});
