/**
 * Hyper-V isolation end to end: a gMSA container in a Hyper-V pod gets its credential guard instance over HvSocket
 * with the instance's service opened in the utility VM, both removed with the container (also after a daemon
 * restart).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call } from './harness.js';
import { CREDENTIAL_GUARD_QUERY } from '../../src/platform/hcs/document/index.js';
import type { ContainerCredentialGuardSystemInfoDoc } from '../../src/platform/hcs/schema/index.js';
import { CREDENTIAL_SPEC_TEXT } from '../helpers/credential-spec.js';
import { HyperVEnv, HV } from './hyperv-env.js';

const hv = HyperVEnv.forThisFile();

/** The credential guard instance `id` as the compute service lists it (undefined once it is removed). */
async function guardInstance(id: string) {
  const [info] = await hv.emu.compute.queryServiceProperties(CREDENTIAL_GUARD_QUERY) as ContainerCredentialGuardSystemInfoDoc[];
  return info?.Instances?.find((i) => i.Id === id);
}
const serviceTable = (vmId: string) => hv.emulatorRecords().find((s) => s.id === vmId)?.document.VirtualMachine?.Devices?.HvSocket?.HvSocketConfig?.ServiceTable ?? {};


test('gMSA in a Hyper-V pod: an HvSocket instance whose service the VM opens, both removed with the container, also after a daemon restart', async () => {
  await call(hv.d.image, 'PullImage', { image: { image: hv.ref('cur'), runtimeHandler: HV } });
  const pod = await hv.runPod('hv-gmsa', HV);
  const vmId = `${pod.id}@vm`;
  const gmsa = { windows: { securityContext: { credentialSpec: CREDENTIAL_SPEC_TEXT, runAsUsername: 'ContainerUser' } } };
  const id = await hv.createCtr(pod, 'gmsa', hv.ref('cur'), gmsa);
  const inst = await guardInstance(id);
  assert.equal(inst?.CredentialGuard?.Transport, 'HvSocket');
  assert.equal(inst?.CredentialGuard?.CredentialSpec, CREDENTIAL_SPEC_TEXT);
  const serviceId = inst?.HvSocketConfig?.ServiceId;
  assert.ok(serviceId, 'an HvSocket instance comes with an HvSocket service');
  assert.deepEqual(serviceTable(vmId)[serviceId], inst?.HvSocketConfig?.ServiceConfig, 'the VM opened the instance\'s service');
  await call(hv.d.runtime, 'StartContainer', { containerId: id });
  assert.equal((await call(hv.d.runtime, 'ContainerStatus', { containerId: id })).status.state, 'CONTAINER_RUNNING');
  assert.equal((await hv.exec(id, 'echo domain-joined')).out, 'domain-joined\n');
  const hosted = hv.emulatorRecords().find((s) => s.id === id)?.document.HostedSystem?.Container;
  assert.deepEqual(hosted?.ContainerCredentialGuard, inst?.CredentialGuard, 'the hosted container names the instance');
  await call(hv.d.runtime, 'RemoveContainer', { containerId: id });
  assert.equal(await guardInstance(id), undefined);
  assert.equal(serviceTable(vmId)[serviceId], undefined, 'the VM\'s service entry goes with the instance');

  // Created, then a daemon kill -9: the restarted daemon still closes the service and removes the instance.
  const id2 = await hv.createCtr(pod, 'gmsa2', hv.ref('cur'), gmsa);
  const service2 = (await guardInstance(id2))?.HvSocketConfig?.ServiceId;
  assert.ok(service2 && serviceTable(vmId)[service2]);
  await hv.d.kill9();
  await hv.d.start();
  await call(hv.d.runtime, 'RemoveContainer', { containerId: id2 });
  assert.equal(await guardInstance(id2), undefined);
  assert.equal(serviceTable(vmId)[service2], undefined);
  assert.equal((await hv.system(vmId))?.State, 'Running', 'RemoveContainer removes the service, not the VM');
  await call(hv.d.runtime, 'StopPodSandbox', { podSandboxId: pod.id });
  await call(hv.d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});
