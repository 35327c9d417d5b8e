/**
 * A utility VM that dies on its own, end to end on the emulator over the real daemon socket. The emulator's VM
 * process is its namespace holder (emulator service/vm-watch.ts); killing it is the VM crashing. Without any
 * further RPC, the daemon notices: the containers are EXITED with reason UtilityVMExited, the pod NOTREADY, and
 * the stopped events stream out. The same after a daemon restart (the watch is re-subscribed) and for a VM that
 * dies while the daemon is down (recovery finds it).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import { call } from './harness.js';
import { HyperVEnv, HV } from './hyperv-env.js';
import { isolationFacts } from '../../src/platform/emulator/service/isolation.js';

const skip = isolationFacts().Enabled ? false : 'the emulator gives a utility VM a process only with isolation (root, util-linux)';
const hv = HyperVEnv.forThisFile(skip);
let imageRef: string | undefined;
const events: { containerId: string; containerEventType: string; podSandboxStatus?: { state: string } }[] = [];
let stream: EventEmitter & { cancel(): void } | undefined;

after(() => stream?.cancel());

/** Resolves once the daemon's headers arrive: the subscription is live, no later event can be missed. */
async function subscribe(): Promise<void> {
  stream?.cancel();
  stream = (hv.d.runtime as unknown as { GetContainerEvents: (req: unknown) => EventEmitter & { cancel(): void } }).GetContainerEvents({});
  stream.on('data', (e) => events.push(e));
  stream.on('error', () => undefined);
  await new Promise((r) => stream!.once('metadata', r));
}

async function hvPodWithContainer(name: string): Promise<{ pod: string; ctr: string }> {
  // Pulled here, not in a before hook of this file: top-level hooks do not wait for the env's own.
  imageRef ??= (await call(hv.d.image, 'PullImage', { image: { image: hv.ref('cur'), runtimeHandler: HV } })).imageRef as string;
  const pod = await hv.runPod(name, HV);
  const ctr = await hv.createCtr(pod, 'c', imageRef);
  await call(hv.d.runtime, 'StartContainer', { containerId: ctr });
  return { pod: pod.id, ctr };
}

/** Kills the emulated VM's process (its namespace holder), read from the emulator's persisted records. */
function crashVm(vmId: string): void {
  const pid = (hv.emulatorRecords().find((s) => s.id === vmId) as { holder?: { pid: number } } | undefined)?.holder?.pid;
  assert.ok(pid, `the VM ${vmId} has a process`);
  process.kill(pid, 'SIGKILL');
}

/** Waits, by watching the event stream only (no RPC that could trigger it), for the pod's stopped event. */
async function podStoppedEvent(pod: string): Promise<void> {
  await hv.d.waitFor(`the stopped event of pod ${pod}`, () => events.some((e) => e.containerId === pod && e.containerEventType === 'CONTAINER_STOPPED_EVENT') || undefined, 20_000);
}

async function assertVmExited(pod: string, ctr: string): Promise<void> {
  const s = (await call(hv.d.runtime, 'ContainerStatus', { containerId: ctr })).status;
  assert.equal(s.state, 'CONTAINER_EXITED');
  assert.equal(s.reason, 'UtilityVMExited');
  assert.match(s.message, new RegExp(`utility VM ${pod}@vm exited unexpectedly`));
  assert.notEqual(Number(s.exitCode), 0);
  assert.equal((await call(hv.d.runtime, 'PodSandboxStatus', { podSandboxId: pod })).status.state, 'SANDBOX_NOTREADY');
  // Stop and remove still work on what is left.
  await call(hv.d.runtime, 'StopPodSandbox', { podSandboxId: pod });
  await call(hv.d.runtime, 'RemovePodSandbox', { podSandboxId: pod });
}

test('a VM that dies is noticed at once: containers EXITED (UtilityVMExited), pod NOTREADY, events emitted', { skip }, async () => {
  await subscribe();
  const { pod, ctr } = await hvPodWithContainer('crash');
  crashVm(`${pod}@vm`);
  await podStoppedEvent(pod);
  assert.ok(events.some((e) => e.containerId === ctr && e.containerEventType === 'CONTAINER_STOPPED_EVENT'), 'the container\'s stopped event');
  await assertVmExited(pod, ctr);
});

test('after a daemon restart the VM is watched again', { skip }, async () => {
  const { pod, ctr } = await hvPodWithContainer('crash-after-restart');
  await hv.d.kill9();
  await hv.d.start();
  await subscribe();
  assert.equal((await call(hv.d.runtime, 'ContainerStatus', { containerId: ctr })).status.state, 'CONTAINER_RUNNING');
  crashVm(`${pod}@vm`);
  await podStoppedEvent(pod);
  await assertVmExited(pod, ctr);
});

test('a VM that died while the daemon was down is found by recovery', { skip }, async () => {
  const { pod, ctr } = await hvPodWithContainer('crash-while-down');
  await hv.d.kill9();
  crashVm(`${pod}@vm`);
  await hv.d.start();
  await assertVmExited(pod, ctr);
});
