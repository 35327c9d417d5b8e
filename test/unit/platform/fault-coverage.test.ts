/**
 * Every platform operation (an emulator wire method: HCS compute/job/storage calls, HNS calls, service calls) is
 * either failed by a fault-injection test (test/e2e/faults/, or an e2e test arming injectFault on it) or listed
 * below with the reason no fault case applies. A new operation without either fails this test, and so does a
 * listed one that gains a fault case (the list stays true).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PLATFORM_METHODS } from '../../../src/platform/emulator/service/server-calls.js';
import { HNS_METHODS } from '../../../src/platform/emulator/service/server-hns.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** The service's own methods (server.ts dispatch) and the stdio attachment (server.ts attach). */
const SERVICE_METHODS = ['hello', 'serviceProperties', 'queryServiceProperties', 'modifyServiceSettings', 'attach'];

/** Operations no fault case covers, and why none applies. */
const NO_FAULT_CASE: Record<string, string> = {
  // Handle bookkeeping: HcsCloseComputeSystem / HcsCloseProcess return nothing (no failure to report).
  closeSystem: 'releases a handle; the call has no failure', closeProcess: 'releases a handle; the call has no failure',
  // Not called by the runtime, the IO keeper or the CNI plugin (CRI has no pause; resources change by modifySystem).
  pauseSystem: 'not called', resumeSystem: 'not called', queryNetwork: 'not called (the plugin finds networks by name)',
  deleteNetwork: 'not called by an RPC (node agent / operator)', modifyNetwork: 'not called by an RPC (the node agent)',
  // Waits for an exit and the emulator's durability acknowledgements: no operation of their own.
  waitSystem: 'waits for the exit (a lost wait is re-opened: recovery tests)', waitProcess: 'waits for the exit (a lost wait is re-opened: recovery tests)',
  processRecorded: 'emulator record acknowledgement (create-records tests)', layerRecorded: 'emulator record acknowledgement (create-records tests)',
  endStdin: 'emulator stdin end marker', describeJob: 'emulator test introspection', settleRemovals: 'emulator leak audit (doctor)',
  // Read by the daemon's start-up, Status and doctor: a failure fails those, no RPC of a pod.
  hello: 'connection handshake', serviceProperties: 'start-up / Status', enumerateNamespaces: 'start-up reconciliation / doctor',
  enumerateJobs: 'start-up reconciliation / doctor',
};

/** Known gaps: operations an RPC uses that no fault test fails yet (each one is a to-do, not a reason). */
const GAPS: Record<string, string> = {
  createJob: 'HostProcess RunPodSandbox/StartContainer', openJob: 'HostProcess StopContainer',
  grantVmAccess: 'Hyper-V RunPodSandbox/CreateContainer (rollback covered by test/unit/runtime/uvm-storage-order.test.ts)',
  processProperties: 'ContainerStatus of an exec', modifyProcess: 'a terminal resize', queryEndpointStats: 'PodSandboxStats',
  queryEndpoint: 'the plugin\'s already-attached ADD; Hyper-V NICs',
  shutdownSystem: 'a graceful StopContainer without a process handle; Hyper-V pod stop', attach: 'the IO keeper\'s stdio attachment',
};

/** The operations the fault tests arm: quoted names in test/e2e/faults, and injectFault('op', …) in other e2e tests. */
function injected(): Set<string> {
  const names = new Set<string>();
  const faults = join(ROOT, 'test', 'e2e', 'faults');
  for (const f of readdirSync(faults)) for (const m of readFileSync(join(faults, f), 'utf8').matchAll(/'(\w+)'/g)) names.add(m[1]!);
  const e2e = join(ROOT, 'test', 'e2e');
  for (const f of readdirSync(e2e).filter((x) => x.endsWith('.test.ts'))) {
    for (const m of readFileSync(join(e2e, f), 'utf8').matchAll(/injectFault\('(\w+)'/g)) names.add(m[1]!);
  }
  return names;
}

test('every platform operation has a fault case or a reason it has none', () => {
  const ops = [...new Set([...PLATFORM_METHODS, ...HNS_METHODS, ...SERVICE_METHODS])].sort();
  const covered = injected();
  const unaccounted = ops.filter((op) => !covered.has(op) && !(op in NO_FAULT_CASE) && !(op in GAPS));
  assert.deepEqual(unaccounted, [], 'operations no fault test fails and no reason excuses');
  const stale = Object.keys({ ...NO_FAULT_CASE, ...GAPS }).filter((op) => covered.has(op) || !ops.includes(op));
  assert.deepEqual(stale, [], 'listed as uncovered but covered (or no longer an operation)');
});
