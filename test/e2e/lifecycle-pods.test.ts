/** End to end over the real daemon socket: a pod's lifecycle (run, status, list with filters, stop, remove). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status as Status } from '@grpc/grpc-js';
import { call, expectCode } from './harness.js';
import { LifecycleEnv } from './lifecycle-env.js';

const le = LifecycleEnv.forThisFile();

test('pod lifecycle: run, status, list with filters, stop, remove, idempotence', async () => {
  const pod = await le.runPod('lifecycle');
  const st = await call(le.d.runtime, 'PodSandboxStatus', { podSandboxId: pod.id.slice(0, 13), verbose: true });
  assert.equal(st.status.id, pod.id);
  assert.equal(st.status.state, 'SANDBOX_READY');
  assert.deepEqual(st.status.metadata, { name: 'lifecycle', namespace: 'default', uid: 'uid-lifecycle', attempt: 0 });
  assert.equal(st.status.labels.app, 'lifecycle');
  assert.equal(st.status.annotations['kubernetes.io/config.source'], 'api');
  assert.equal(st.status.linux.namespaces.options.network, 'POD');
  assert.ok(BigInt(st.status.createdAt) > 1_600_000_000_000_000_000n);
  assert.ok(JSON.parse(st.info.info).namespaceId);

  const byId = await call(le.d.runtime, 'ListPodSandbox', { filter: { id: pod.id.slice(0, 8) } });
  assert.equal(byId.items.length, 1);
  const byLabel = await call(le.d.runtime, 'ListPodSandbox', { filter: { labelSelector: { app: 'lifecycle' } } });
  assert.deepEqual(byLabel.items.map((p: { id: string }) => p.id), [pod.id]);
  const none = await call(le.d.runtime, 'ListPodSandbox', { filter: { labelSelector: { app: 'lifecycle', x: 'y' } } });
  assert.equal(none.items.length, 0);

  await expectCode(call(le.d.runtime, 'RunPodSandbox', { config: pod.config }), Status.ALREADY_EXISTS);

  await call(le.d.runtime, 'StopPodSandbox', { podSandboxId: pod.id });
  await call(le.d.runtime, 'StopPodSandbox', { podSandboxId: pod.id });
  const stopped = await call(le.d.runtime, 'PodSandboxStatus', { podSandboxId: pod.id });
  assert.equal(stopped.status.state, 'SANDBOX_NOTREADY');
  const notReady = await call(le.d.runtime, 'ListPodSandbox', { filter: { state: { state: 'SANDBOX_NOTREADY' } } });
  assert.ok(notReady.items.some((p: { id: string }) => p.id === pod.id));
  await call(le.d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
  await call(le.d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
  await expectCode(call(le.d.runtime, 'PodSandboxStatus', { podSandboxId: pod.id }), Status.NOT_FOUND);
  // unknown ids: stop/remove succeed, status is NotFound
  await call(le.d.runtime, 'StopPodSandbox', { podSandboxId: '6a1e4f8e-2b1c-4a55-9a1e-0c7f6f1f2b3c' });
  await call(le.d.runtime, 'RemovePodSandbox', { podSandboxId: '6a1e4f8e-2b1c-4a55-9a1e-0c7f6f1f2b3c' });
  // the name is free again after remove
  const again = await le.runPod('lifecycle');
  await call(le.d.runtime, 'RemovePodSandbox', { podSandboxId: again.id });
});
