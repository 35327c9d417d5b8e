/**
 * A utility VM that dies on its own, end to end on the emulator over the real daemon socket. The emulator's VM
 * process is its namespace holder (emulator service/vm-watch.ts); killing it is the VM crashing. Without any
 * further RPC, the daemon notices: the containers are EXITED with reason UtilityVMExited, the pod NOTREADY, and
 * the stopped events stream out. The same after a daemon restart (the watch is re-subscribed) and for a VM that
 * dies while the daemon is down (recovery finds it).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventEmitter } from 'node:events';
import { Daemon, call, podConfig } from './harness.js';
import { startRegistry, makeImage, Pusher, type Registry } from '../helpers/registry.js';
import { buildBaseLayerWithUtilityVm } from '../helpers/image-builder.js';
import { isolationFacts } from '../../src/platform/emulator/service/isolation.js';

const HV = 'runhcs-wcow-hypervisor';
const IMG = makeImage({ osVersion: '10.0.20348.1', rawLayers: [buildBaseLayerWithUtilityVm({ 'Windows/build.txt': '20348\n' })] });
const skip = isolationFacts().Enabled ? false : 'the emulator gives a utility VM a process only with isolation (root, util-linux)';
let d: Daemon;
let reg: Registry;
let imageRef: string;
const events: { containerId: string; containerEventType: string; podSandboxStatus?: { state: string } }[] = [];
let stream: EventEmitter & { cancel(): void } | undefined;

before(async () => {
  if (skip) return;
  reg = await startRegistry();
  await new Pusher({ url: reg.url }).image('e2e/uvm', '1', IMG);
  d = new Daemon('wincri-vmexit');
  appendFileSync(d.configFile, `registries:\n  "${reg.host}":\n    insecure: true\n`);
  await d.start();
  imageRef = (await call(d.image, 'PullImage', { image: { image: `${reg.host}/e2e/uvm:1`, runtimeHandler: HV } })).imageRef;
});

after(async () => {
  stream?.cancel();
  await d?.destroy();
  await reg?.stop();
});

/** Resolves once the daemon's headers arrive: the subscription is live, no later event can be missed. */
async function subscribe(): Promise<void> {
  stream?.cancel();
  stream = (d.runtime as unknown as { GetContainerEvents: (req: unknown) => EventEmitter & { cancel(): void } }).GetContainerEvents({});
  stream.on('data', (e) => events.push(e));
  stream.on('error', () => undefined);
  await new Promise((r) => stream!.once('metadata', r));
}

async function hvPodWithContainer(name: string): Promise<{ pod: string; ctr: string }> {
  const config = podConfig(name, join(d.logDir, name));
  mkdirSync(join(config.logDirectory, 'c'), { recursive: true });
  const { podSandboxId: pod } = await call(d.runtime, 'RunPodSandbox', { config, runtimeHandler: HV });
  const { containerId: ctr } = await call(d.runtime, 'CreateContainer', {
    podSandboxId: pod, sandboxConfig: config,
    config: { metadata: { name: 'c', attempt: 0 }, image: { image: imageRef }, command: ['sh', '-c', 'exec sleep 1001'], logPath: 'c/0.log' },
  });
  await call(d.runtime, 'StartContainer', { containerId: ctr });
  return { pod, ctr };
}

/** Kills the emulated VM's process (its namespace holder), read from the emulator's persisted records. */
function crashVm(vmId: string): void {
  const systems = JSON.parse(readFileSync(join(d.root, 'emulator', 'records', 'systems.json'), 'utf8')) as { id: string; holder?: { pid: number } }[];
  const pid = systems.find((s) => s.id === vmId)?.holder?.pid;
  assert.ok(pid, `the VM ${vmId} has a process`);
  process.kill(pid, 'SIGKILL');
}

/** Waits, by watching the event stream only (no RPC that could trigger it), for the pod's stopped event. */
async function podStoppedEvent(pod: string): Promise<void> {
  await d.waitFor(`the stopped event of pod ${pod}`, () => events.some((e) => e.containerId === pod && e.containerEventType === 'CONTAINER_STOPPED_EVENT') || undefined, 20_000);
}

async function assertVmExited(pod: string, ctr: string): Promise<void> {
  const s = (await call(d.runtime, 'ContainerStatus', { containerId: ctr })).status;
  assert.equal(s.state, 'CONTAINER_EXITED');
  assert.equal(s.reason, 'UtilityVMExited');
  assert.match(s.message, new RegExp(`utility VM ${pod}@vm exited unexpectedly`));
  assert.notEqual(Number(s.exitCode), 0);
  assert.equal((await call(d.runtime, 'PodSandboxStatus', { podSandboxId: pod })).status.state, 'SANDBOX_NOTREADY');
  // Stop and remove still work on what is left.
  await call(d.runtime, 'StopPodSandbox', { podSandboxId: pod });
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod });
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
  await d.kill9();
  await d.start();
  await subscribe();
  assert.equal((await call(d.runtime, 'ContainerStatus', { containerId: ctr })).status.state, 'CONTAINER_RUNNING');
  crashVm(`${pod}@vm`);
  await podStoppedEvent(pod);
  await assertVmExited(pod, ctr);
});

test('a VM that died while the daemon was down is found by recovery', { skip }, async () => {
  const { pod, ctr } = await hvPodWithContainer('crash-while-down');
  await d.kill9();
  crashVm(`${pod}@vm`);
  await d.start();
  await assertVmExited(pod, ctr);
});
