/**
 * Hyper-V isolation end to end on the emulator, over the real daemon socket: RuntimeClass handlers from the
 * configuration (unknown → InvalidArgument naming them), a pod of the hypervisor handler whose utility VM boots
 * from the image's UtilityVM files and hosts its containers (one PID namespace), a VM that survives a daemon
 * kill -9, StopPodSandbox ending the containers' processes and the VM; and the OS-build rule: an older image
 * pulled for Hyper-V runs there but is refused for a process-isolated pod with HCS_E_IMAGE_MISMATCH.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { status as Status } from '@grpc/grpc-js';
import { call, expectCode, podConfig } from './harness.js';
import { isolationFacts } from '../../src/platform/emulator/service/isolation.js';
import { HyperVEnv, HV, OLD } from './hyperv-env.js';
import { emulatorCgroupDir } from '../helpers/emulator-cgroup.js';

const hv = HyperVEnv.forThisFile();

test('Status and the config list the handlers; an unknown handler is InvalidArgument naming the configured ones', async () => {
  const st = await call(hv.d.runtime, 'Status', {});
  assert.deepEqual(st.runtimeHandlers.map((h: { name: string }) => h.name), ['', 'runhcs-wcow-process', HV]);
  const e = await expectCode(call(hv.d.runtime, 'RunPodSandbox', { config: podConfig('nope', join(hv.d.logDir, 'nope')), runtimeHandler: 'kata' }), Status.INVALID_ARGUMENT);
  assert.match(e.details, /runtime_handler "kata" is not configured; configured handlers: "" \(default, process\), "runhcs-wcow-process" \(process\), "runhcs-wcow-hypervisor" \(hyperv\)/);
});

test('a Hyper-V pod: the utility VM boots with the first container, hosts all of them, and stops with the pod', async () => {
  // An older build pulls only for Hyper-V isolation (the puller selects by the handler's isolation).
  await expectCode(call(hv.d.image, 'PullImage', { image: { image: hv.ref('old') } }), Status.FAILED_PRECONDITION);
  const { imageRef } = await call(hv.d.image, 'PullImage', { image: { image: hv.ref('old'), runtimeHandler: HV } });
  assert.equal(imageRef, OLD.id);

  const pod = await hv.runPod('hv', HV, { linux: { resources: { memoryLimitInBytes: String(512 * 1024 * 1024) } } });
  const vmId = `${pod.id}@vm`;
  assert.equal(await hv.system(vmId), undefined, 'no VM before the first container');
  const a = await hv.createCtr(pod, 'a', imageRef);
  const vm = await hv.system(vmId);
  assert.equal(vm?.SystemType, 'VirtualMachine');
  assert.equal(vm?.State, 'Running');
  const cg = isolationFacts().Cgroups;
  if (cg) {
    // Sized from the pod's resources (512 MiB) plus the handler's default overhead (256 MiB), enforced by its cgroup.
    const limit = readFileSync(join(emulatorCgroupDir(cg.Roots[0]!, vmId), cg.Version === 2 ? 'memory.max' : 'memory.limit_in_bytes'), 'utf8').trim();
    assert.equal(limit, String(768 * 1024 * 1024));
  }
  const b = await hv.createCtr(pod, 'bb', imageRef);
  for (const id of [a, b]) await call(hv.d.runtime, 'StartContainer', { containerId: id });
  for (const id of [a, b]) {
    assert.equal((await call(hv.d.runtime, 'ContainerStatus', { containerId: id })).status.state, 'CONTAINER_RUNNING');
    assert.equal((await hv.system(id))?.HostingSystemId, vmId);
  }
  // One VM, one PID namespace: container a sees b's process.
  const ps = await call(hv.d.runtime, 'ExecSync', { containerId: a, cmd: ['sh', '-c', 'ps -e -o args='], timeout: 10 });
  assert.match(Buffer.from(ps.stdout).toString(), /sleep 10002/, 'the other container\'s process is visible inside the VM');
  // The pod's stats are the VM's: the CPU and memory of the processes of its hosted containers are accounted.
  await call(hv.d.runtime, 'ExecSync', { containerId: a, cmd: ['sh', '-c', 'sh -c "while :; do :; done" >/dev/null 2>&1 &'], timeout: 10 });
  const stats = await hv.d.waitFor('the VM to account the burner\'s CPU', async () => {
    const s = (await call(hv.d.runtime, 'PodSandboxStats', { podSandboxId: pod.id })).stats;
    return BigInt(s.windows.cpu.usageCoreNanoSeconds?.value ?? 0) > 0n ? s : undefined;
  }, 20_000);
  assert.ok(BigInt(stats.windows.memory.workingSetBytes.value) > 0n, JSON.stringify(stats.windows.memory));

  // kill -9 of the daemon: the VM is the pod's, not an orphan; everything keeps running.
  await hv.d.kill9();
  await hv.d.start();
  assert.equal((await hv.system(vmId))?.State, 'Running');
  assert.equal((await call(hv.d.runtime, 'PodSandboxStatus', { podSandboxId: pod.id })).status.state, 'SANDBOX_READY');
  assert.equal((await call(hv.d.runtime, 'ContainerStatus', { containerId: b })).status.state, 'CONTAINER_RUNNING');

  const pids = (await Promise.all([a, b].map(async (id) => {
    const c = await hv.emu.compute.openComputeSystem(id);
    try { return ((await c.getProperties({ PropertyTypes: ['ProcessList'] })).ProcessList ?? []).map((p) => p.ProcessId!); } finally { c.close(); }
  }))).flat();
  assert.ok(pids.length >= 2, `processes inside the VM: ${pids.join(', ')}`);
  await call(hv.d.runtime, 'StopPodSandbox', { podSandboxId: pod.id });
  for (const id of [a, b]) assert.equal((await call(hv.d.runtime, 'ContainerStatus', { containerId: id })).status.state, 'CONTAINER_EXITED');
  const gone = (pid: number) => { try { process.kill(pid, 0); return false; } catch { return true; } };
  await hv.d.waitFor('the containers\' processes to end', () => pids.every(gone), 20_000);
  await hv.d.waitFor('the utility VM to be gone', async () => (await hv.system(vmId)) === undefined || (await hv.system(vmId))?.State === 'Stopped', 20_000);
  await call(hv.d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
  assert.equal(await hv.system(vmId), undefined);
});

test('an image without UtilityVM files cannot boot a Hyper-V pod: FailedPrecondition saying so', async () => {
  const { imageRef } = await call(hv.d.image, 'PullImage', { image: { image: hv.ref('plain'), runtimeHandler: HV } });
  const pod = await hv.runPod('hv-plain', HV);
  const e = await expectCode(hv.createCtr(pod, 'p', imageRef), Status.FAILED_PRECONDITION);
  assert.match(e.details, /no UtilityVM folder in its base layer/);
  assert.equal(await hv.system(`${pod.id}@vm`), undefined);
  await call(hv.d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});

test('OS build rule: the older image is refused for a process-isolated pod with HCS_E_IMAGE_MISMATCH and both builds', async () => {
  const { imageRef } = await call(hv.d.image, 'PullImage', { image: { image: hv.ref('old'), runtimeHandler: HV } });
  const pod = await hv.runPod('proc', '');
  const e = await expectCode(hv.createCtr(pod, 'x', imageRef), Status.FAILED_PRECONDITION);
  assert.match(e.details, /HCS_E_IMAGE_MISMATCH \(0x80370101\)/);
  assert.match(e.details, /10\.0\.17763\.1/);
  assert.match(e.details, /10\.0\.20348/);
  // The host's own build runs process-isolated in the same pod.
  const cur = (await call(hv.d.image, 'PullImage', { image: { image: hv.ref('cur') } })).imageRef;
  const id = await hv.createCtr(pod, 'y', cur);
  await call(hv.d.runtime, 'StartContainer', { containerId: id });
  assert.equal((await hv.system(id))?.HostingSystemId, undefined);
  await call(hv.d.runtime, 'StopPodSandbox', { podSandboxId: pod.id });
  await call(hv.d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});
