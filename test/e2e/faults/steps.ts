/**
 * Helpers of the fault tests of the runtime's less common platform operations (job containers, utility VMs, pod
 * stats, a terminal resize, stdio attachments, graceful stops): the objects a case may leave (with the job
 * containers), a hang held until the RPC's deadline passed while another pod goes on, and that other pod.
 */
import assert from 'node:assert/strict';
import { status as Status, type ServiceError } from '@grpc/grpc-js';
import type { HResultName } from '../../../src/platform/hresult.js';
import { call } from '../harness.js';
import { objects, continuePod, newPod, removePod, lateAnswers, untilEqual, type Env, type FaultOp } from './common.js';

/** The CI's HRESULT classes: one per code the runtime maps them to (Internal, Unavailable, PermissionDenied, DeadlineExceeded), each with advice. */
export const HRESULTS: HResultName[] = ['E_FAIL', 'HCS_E_SERVICE_NOT_AVAILABLE', 'E_ACCESSDENIED', 'HCS_E_OPERATION_TIMEOUT'];

/** What objects() sees, and the job containers (HostProcess), which the compute systems' enumeration leaves out. */
export async function snapshot(env: Env): Promise<Awaited<ReturnType<typeof objects>> & { jobs: string[] }> {
  const jobs = (await env.platform.jobs.enumerateComputeSystems()).map((s) => s.Id!).sort();
  return { ...(await objects(env)), jobs };
}
export type Snapshot = Awaited<ReturnType<typeof snapshot>>;

/** Waits until the snapshot equals `want` (a teardown may still be under way); fails naming what was left. */
export async function expectSnapshot(env: Env, want: Snapshot, what: string): Promise<void> {
  await untilEqual(env, () => snapshot(env), want, what);
}

const fired = (env: Env, op: FaultOp): number => env.d.fullLog().split(`fault fired: ${op} `).length;

/**
 * Holds the next `op` in the service and runs `rpc`; once the call is held, runs `meanwhile` (other pods' work,
 * which must go on). The RPC must fail with DeadlineExceeded naming HCS_E_OPERATION_TIMEOUT and the `timeoutS`
 * limit. Then the held call is let go and its late answer awaited: what it did late is undone before the caller
 * looks at what is left.
 */
export async function hangPastDeadline(env: Env, op: FaultOp, rpc: () => Promise<unknown>, where: string, timeoutS: number,
  meanwhile?: () => Promise<void>): Promise<ServiceError> {
  const late = lateAnswers(env.d.fullLog());
  const before = fired(env, op);
  await env.platform.injectFault(op, 0, 1, 120_000);
  const pending = rpc().then(() => undefined, (e: ServiceError) => e);
  let err: ServiceError | undefined;
  try {
    await env.d.waitFor(`the ${op} fault to fire`, () => fired(env, op) > before, 30_000);
    if (meanwhile) await meanwhile();
    err = await pending;
  } finally {
    await env.platform.clearFaults(op);
  }
  assert.ok(err, `${where}: the RPC succeeded`);
  assert.equal(Status[err.code], 'DEADLINE_EXCEEDED', `${where}: ${err.details}`);
  assert.match(err.details, /HCS_E_OPERATION_TIMEOUT/, err.details);
  assert.match(err.details, new RegExp(`within ${timeoutS}s \\(limits\\.platformCallTimeoutSeconds\\)`), err.details);
  await env.d.waitFor(`the late answer of ${op}`, () => lateAnswers(env.d.fullLog()) > late, 30_000);
  return err;
}

/** Another (process-isolated) pod's whole lifecycle: its container runs, then the pod goes. */
export async function otherPodGoesOn(env: Env, name: string): Promise<void> {
  const other = await continuePod(env, newPod(env, name), ['RunPodSandbox', 'CreateContainer', 'StartContainer']);
  assert.equal((await call(env.d.runtime, 'ContainerStatus', { containerId: other.ctr })).status.state, 'CONTAINER_RUNNING', `${name}: the other pod's container runs`);
  await removePod(env, other.id);
}

/** The CRI state of a container. */
export async function stateOf(env: Env, ctr: string): Promise<string> {
  return (await call(env.d.runtime, 'ContainerStatus', { containerId: ctr })).status.state as string;
}
