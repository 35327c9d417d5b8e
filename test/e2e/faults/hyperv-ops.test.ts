/**
 * Fault injection of the calls only a Hyper-V isolated pod (and the CNI plugin's re-attach) makes: grantVmAccess (the
 * utility VM's scratch disk when the first CreateContainer boots the VM; a hosted container's scratch attached over
 * SCSI at every CreateContainer) and queryEndpoint (the pod's endpoints added to its VM as NICs while it boots; the
 * plugin's ADD asking which namespace holds an endpoint HNS calls attached already). Each fails with every HRESULT
 * class of the CI subset: the RPC answers the mapped code with a message naming the HRESULT and what to do; a VM
 * that failed to boot is gone with its scratch, a container whose scratch could not be attached leaves nothing; the
 * retry succeeds; nothing is left. A hung grantVmAccess or queryEndpoint fails its CreateContainer with
 * DeadlineExceeded while another pod runs its whole lifecycle.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { call, podConfig } from '../harness.js';
import { HRESULT } from '../../../src/platform/hresult.js';
import { buildWindowsImage, buildBaseLayerWithUtilityVm } from '../../helpers/image-builder.js';
import { skip, leakAudit, startEnv, stopEnv, failOnce, continuePod, newPod, removePod, type Env, type FaultOp } from './common.js';
import { HRESULTS, snapshot, expectSnapshot, hangPastDeadline, otherPodGoesOn, stateOf } from './steps.js';

const TIMEOUT_S = 3;
const HV = 'runhcs-wcow-hypervisor';
interface HvPod { id: string; config: ReturnType<typeof podConfig> }

let env: Env;
let hvImage = '';
let n = 0;
let preLeaks = new Set<string>();
before(async () => {
  if (skip) return;
  env = await startEnv('wincri-hvops', `limits:\n  platformCallTimeoutSeconds: ${TIMEOUT_S}\n`);
  const tar = await buildWindowsImage({
    dir: env.d.dir, file: 'uvm.tar', names: ['example.com/wincri-hvops/uvm:1'], format: 'oci',
    rawLayers: [buildBaseLayerWithUtilityVm({ 'Windows/build.txt': '20348\n' })], config: { Cmd: ['sleep', '600'] },
  });
  hvImage = env.d.importImage(tar).split('\t')[0]!.trim();
  preLeaks = new Set(leakAudit(env).keys);
});
after(() => stopEnv(env));

async function hvPod(): Promise<HvPod> {
  const name = `hv${n++}`;
  const config = podConfig(name, join(env.d.logDir, name));
  mkdirSync(config.logDirectory, { recursive: true });
  return { id: (await call(env.d.runtime, 'RunPodSandbox', { config, runtimeHandler: HV })).podSandboxId, config };
}
async function createHosted(pod: HvPod, timeoutMs = 60_000): Promise<string> {
  const i = n++;
  return (await call(env.d.runtime, 'CreateContainer', {
    podSandboxId: pod.id, sandboxConfig: pod.config,
    config: { metadata: { name: `c${i}`, attempt: 0 }, image: { image: hvImage }, command: ['sleep', '600'], logPath: `c${i}.log` },
  }, timeoutMs)).containerId;
}
const vmOf = (pod: HvPod) => `${pod.id}@vm`;

/** The retried CreateContainer boots the VM (if it is not up) and its container runs in it. */
async function retryCreate(pod: HvPod, where: string): Promise<void> {
  const ctr = await createHosted(pod);
  await call(env.d.runtime, 'StartContainer', { containerId: ctr });
  assert.equal(await stateOf(env, ctr), 'CONTAINER_RUNNING', `${where}: the retry runs`);
  assert.ok((await snapshot(env)).systems.includes(vmOf(pod)), `${where}: the utility VM runs`);
}

/** Operations the first CreateContainer of a Hyper-V pod makes while it boots the utility VM. */
const BOOT_OPS: FaultOp[] = ['grantVmAccess', 'queryEndpoint'];
for (const op of BOOT_OPS) {
  test(`${op} failing in the CreateContainer that boots the utility VM: mapped code, no VM or scratch left, retry succeeds`, { skip }, async () => {
    const base = await snapshot(env);
    const pod = await hvPod();
    const before = await snapshot(env);
    for (const hr of HRESULTS) {
      const where: string = `${op} × ${hr} in the first CreateContainer`;
      await failOnce(env.platform, op, hr, () => createHosted(pod), where);
      await expectSnapshot(env, before, where);
    }
    await retryCreate(pod, `${op} in the first CreateContainer`);
    await removePod(env, pod.id);
    await expectSnapshot(env, base, `${op} in the first CreateContainer: after the retry and removal`);
  });
}

test('grantVmAccess failing for a second container\'s scratch (VM running): mapped code, nothing of it left, the VM runs on, retry succeeds', { skip }, async () => {
  const op: FaultOp = 'grantVmAccess';
  const base = await snapshot(env);
  const pod = await hvPod();
  const first = await createHosted(pod);
  await call(env.d.runtime, 'StartContainer', { containerId: first });
  const before = await snapshot(env);
  for (const hr of HRESULTS) {
    const where: string = `${op} × ${hr} in a second CreateContainer`;
    await failOnce(env.platform, op, hr, () => createHosted(pod), where);
    await expectSnapshot(env, before, where);
    assert.equal(await stateOf(env, first), 'CONTAINER_RUNNING', `${where}: the first container runs on`);
  }
  await retryCreate(pod, `${op} in a second CreateContainer`);
  await removePod(env, pod.id);
  await expectSnapshot(env, base, `${op} in a second CreateContainer: after removal`);
});

test('queryEndpoint failing in the CNI ADD of an endpoint HNS reports attached already: mapped code, nothing left, retry succeeds', { skip }, async () => {
  const op: FaultOp = 'queryEndpoint';
  const base = await snapshot(env);
  const pod = newPod(env, `re${n++}`);
  for (const hr of HRESULTS) {
    const where: string = `${op} × ${hr} in RunPodSandbox (already attached)`;
    // The plugin's attach is answered "already attached": it asks HNS which namespace holds the endpoint.
    await env.platform.injectFault('modifyNamespace', HRESULT.HCN_E_ENDPOINT_ALREADY_ATTACHED, 1);
    try {
      await failOnce(env.platform, op, hr, () => continuePod(env, pod, ['RunPodSandbox']), where);
    } finally {
      await env.platform.clearFaults('modifyNamespace');
    }
    await expectSnapshot(env, base, where);
  }
  await continuePod(env, pod, ['RunPodSandbox']);
  assert.equal((await call(env.d.runtime, 'PodSandboxStatus', { podSandboxId: pod.id })).status.state, 'SANDBOX_READY', `${op} in RunPodSandbox: the retry`);
  await removePod(env, pod.id);
  await expectSnapshot(env, base, `${op} in RunPodSandbox: after the retry and removal`);
});

test('grantVmAccess and queryEndpoint hanging while the utility VM boots: another pod runs meanwhile; DeadlineExceeded; no VM left; retry succeeds', { skip }, async () => {
  const base = await snapshot(env);
  const pod = await hvPod();
  const before = await snapshot(env);
  for (const op of BOOT_OPS) {
    const where = `${op} hanging in the first CreateContainer`;
    const meanwhile = op === 'queryEndpoint' ? () => otherPodGoesOn(env, `o${n++}`) : undefined;
    await hangPastDeadline(env, op, () => createHosted(pod), where, TIMEOUT_S, meanwhile);
    await expectSnapshot(env, before, where);
  }
  await retryCreate(pod, 'hung VM boot');
  await removePod(env, pod.id);
  await expectSnapshot(env, base, 'hung VM boot: after removal');
});

test('the leak audit finds nothing new after the Hyper-V faults', { skip }, () => {
  const a = leakAudit(env);
  assert.deepEqual(a.keys.filter((k) => !preLeaks.has(k)), [], a.out);
});
