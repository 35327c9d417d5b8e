/**
 * The platform contract, written once: every Platform implementation (the Linux emulator, the Windows backend
 * over the C test library) must pass it. Processes run POSIX sh scripts (`sh -c "…"`): on the emulator a bare
 * program name falls back to the host PATH, the C library runs the command line with /bin/sh.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Platform, ComputeEvent } from '../../src/platform/types.js';
import { HRESULT, isGone, type HResultName } from '../../src/platform/hresult.js';
import type { ComputeSystemDoc, ProcessParametersDoc } from '../../src/platform/hcs/schema/index.js';
import { rejectsWith, readAll } from '../helpers/platform.js';
import { utilityVmContract } from './utility-vm.js';
import { parseStatistics, buildResourceUpdateRequests } from '../../src/platform/hcs/document/index.js';
import { buildNamespaceEndpointRequest, buildIdQuery, buildNetworkPolicyRequest, remoteSubnetRoutePolicy, parseEndpointStats } from '../../src/platform/hcn/document/index.js';
import { waitFor } from '../helpers/wait-for.js';

/** Operations whose next call a target can make fail. */
export type ContractOp = 'start' | 'pause' | 'createProcess' | 'getProperties' | 'modify' | 'terminateProcess'
  | 'createNetwork' | 'createNamespace' | 'modifyNamespace' | 'importLayer';

export interface ContractTarget {
  platform: Platform;
  failNext(op: ContractOp, hresult: number): Promise<void>;
  /** Makes a running utility VM die on its own (its worker process crashing); false where it cannot. */
  crashVm(id: string): Promise<boolean>;
  /** Handles / result strings still held (only where the implementation can count them). */
  leaks?(): { handles: number; strings: number; freeErrors: number };
  cleanup(): Promise<void>;
}

export const containerDoc = (): ComputeSystemDoc =>
  ({ SchemaVersion: { Major: 2, Minor: 1 }, Owner: 'wincri-contract', Container: {} }) as ComputeSystemDoc;

export const sh = (script: string, extra: Partial<ProcessParametersDoc> = {}): ProcessParametersDoc =>
  ({ CommandLine: `sh -c "${script.replace(/"/g, '\\"')}"`, CreateStdOutPipe: true, CreateStdErrPipe: true, ...extra }) as ProcessParametersDoc;

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`${what} did not happen within ${ms} ms`)), ms).unref())]);

/** HCS / HCN codes the runtime and CRI error table distinguish; each must survive the trip as its own name. */
const MAPPED: HResultName[] = [
  'HCS_E_SYSTEM_NOT_FOUND', 'HCS_E_SYSTEM_ALREADY_EXISTS', 'HCS_E_SYSTEM_ALREADY_STOPPED', 'HCS_E_PROCESS_ALREADY_STOPPED',
  'HCS_E_INVALID_STATE', 'HCS_E_INVALID_JSON', 'HCS_E_TERMINATED', 'HCS_E_UNEXPECTED_EXIT', 'HCS_E_CONNECTION_TIMEOUT',
  'HCS_E_SERVICE_DISCONNECT', 'HCS_E_OPERATION_TIMEOUT', 'HCS_E_ACCESS_DENIED', 'HCS_E_IMAGE_MISMATCH',
  'HCS_E_PROCESS_INFO_NOT_AVAILABLE', 'ERROR_NOT_FOUND', 'ERROR_FILE_NOT_FOUND', 'E_ACCESSDENIED', 'E_INVALIDARG',
];
const HCN_MAPPED: HResultName[] = [
  'HCN_E_NETWORK_ALREADY_EXISTS', 'HCN_E_INVALID_JSON', 'HCN_E_PORT_ALREADY_EXISTS', 'HCN_E_INVALID_IP',
  'HCN_E_ADDR_INVALID_OR_RESERVED', 'ERROR_OBJECT_ALREADY_EXISTS', 'HCN_E_MANAGER_STOPPED',
];

export function platformContract(name: string, make: () => Promise<ContractTarget>): void {
  utilityVmContract(name, make);
  const withTarget = (title: string, body: (t: ContractTarget) => Promise<void>) =>
    test(`${name} contract: ${title}`, async () => {
      const target = await make();
      try {
        await body(target);
      } finally {
        await target.cleanup();
      }
    });

  withTarget('compute-system lifecycle, events and state errors', async ({ platform }) => {
    const c = platform.compute;
    const id = `contract-${randomUUID()}`;
    await rejectsWith(c.openComputeSystem(id), 'HCS_E_SYSTEM_NOT_FOUND');
    await rejectsWith(c.createComputeSystem(id, { SchemaVersion: { Major: 2, Minor: 1 } } as ComputeSystemDoc), 'HCS_E_INVALID_JSON');
    const sys = await c.createComputeSystem(id, containerDoc());
    const events: ComputeEvent[] = [];
    sys.onEvent((e) => events.push(e));
    await rejectsWith(c.createComputeSystem(id, containerDoc()), 'HCS_E_SYSTEM_ALREADY_EXISTS');
    assert.equal((await sys.getProperties()).State, 'Created');
    await rejectsWith(sys.pause(), 'HCS_E_INVALID_STATE');
    await sys.start();
    await rejectsWith(sys.start(), 'HCS_E_INVALID_STATE');
    const p = await sys.getProperties();
    assert.equal(p.State, 'Running');
    assert.equal(p.Id, id);
    assert.equal(p.SystemType, 'Container');
    const listed = await c.enumerateComputeSystems({ Owners: ['wincri-contract'] } as never);
    assert.ok(listed.some((x) => x.Id === id && x.State === 'Running'), 'enumerate lists the running system');
    await sys.pause();
    assert.equal((await sys.getProperties()).State, 'Paused');
    await rejectsWith(sys.pause(), 'HCS_E_INVALID_STATE');
    await sys.resume();
    const other = await c.openComputeSystem(id);
    assert.equal((await other.getProperties()).State, 'Running');
    const exit = sys.waitExit();
    await sys.shutdown();
    const st = await within(exit, 10_000, 'SystemExited');
    assert.equal(st.ExitType, 'GracefulExit');
    assert.equal((await other.getProperties()).State, 'Stopped');
    await waitFor('the SystemExited event', () => events.some((e) => e.type === 'SystemExited'), { timeoutMs: 5000, intervalMs: 10 });
    const err = await rejectsWith(sys.shutdown(), 'HCS_E_SYSTEM_ALREADY_STOPPED');
    assert.ok(isGone(err));
    sys.close();
    other.close();
    // Forced stop
    const id2 = `contract-${randomUUID()}`;
    const s2 = await c.createComputeSystem(id2, containerDoc());
    await s2.start();
    await s2.terminate();
    assert.equal((await within(s2.waitExit(), 10_000, 'terminate')).ExitType, 'ForcedExit');
    s2.close();
    const sp = await c.getServiceProperties();
    assert.ok(sp.SupportedSchemaVersions!.some((v) => v.Major === 2), 'schema 2.x supported');
  });

  withTarget('processes: stdio, UTF-16 environment, exit status, exit events, terminate and signal', async ({ platform }) => {
    const sys = await platform.compute.createComputeSystem(`contract-${randomUUID()}`, containerDoc());
    try {
      const events: ComputeEvent[] = [];
      sys.onEvent((e) => events.push(e));
      await rejectsWith(sys.createProcess(sh('true')), 'HCS_E_INVALID_STATE');
      await sys.start();
      const proc = await sys.createProcess(sh('read x; echo out:$x:$FOO; echo err >&2; exit 3',
        { CreateStdInPipe: true, Environment: { FOO: 'Grüße-✓-😀' } }));
      assert.ok(proc.pid > 0);
      const out = readAll(proc.stdio.stdout);
      const err = readAll(proc.stdio.stderr);
      proc.stdio.stdin!.end('hi\n');
      const status = await within(proc.waitExit(), 10_000, 'process exit');
      assert.equal(status.Exited, true);
      assert.equal(status.ExitCode, 3);
      assert.equal(await out, 'out:hi:Grüße-✓-😀\n');
      assert.equal(await err, 'err\n');
      const props = await proc.getProperties();
      assert.equal(props.Exited, true);
      assert.equal(props.ProcessId, proc.pid);
      await rejectsWith(proc.terminate(), 'HCS_E_PROCESS_ALREADY_STOPPED');
      await waitFor('the ProcessExited event', () => events.some((e) => e.type === 'ProcessExited' && e.data.ProcessId === proc.pid), { timeoutMs: 5000, intervalMs: 10 });
      proc.close();

      const sleeper = await sys.createProcess(sh('sleep 30', { CreateStdOutPipe: false, CreateStdErrPipe: false }));
      assert.equal(sleeper.stdio.stdout, undefined);
      const opened = await sys.openProcess(sleeper.pid);
      assert.equal((await opened.getProperties()).Exited, false);
      await opened.modify({ Operation: 'ConsoleSize', ConsoleSize: { Height: 40, Width: 120 } } as never);
      await rejectsWith(sys.openProcess(0x7ffffff0), 'ERROR_NOT_FOUND');
      await sleeper.terminate();
      const st = await within(opened.waitExit(), 10_000, 'terminated process exit');
      assert.equal(st.Exited, true);
      assert.notEqual(st.ExitCode, 0);
      opened.close();
      sleeper.close();

      // Not through `sh -c`: dash catches SIGINT while it starts up, so a CtrlC that lands then is swallowed and the
      // shell goes on to fork `sleep` (reproduced under load) — a shell race, not a platform one.
      const sig = await sys.createProcess({ CommandLine: 'sleep 30', CreateStdOutPipe: false, CreateStdErrPipe: false } as ProcessParametersDoc);
      await sig.signal({ Signal: 'CtrlC' } as never);
      assert.equal((await within(sig.waitExit(), 10_000, 'signalled exit')).Exited, true);
      sig.close();
    } finally {
      await sys.terminate().catch(() => undefined);
      sys.close();
    }
  });

  withTarget('properties: statistics and process list parse; modify requests', async ({ platform }) => {
    const sys = await platform.compute.createComputeSystem(`contract-${randomUUID()}`, containerDoc());
    try {
      await sys.start();
      const busy = await sys.createProcess(sh('i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 30', { CreateStdOutPipe: false, CreateStdErrPipe: false }));
      await new Promise((r) => setTimeout(r, 300));
      const props = await sys.getProperties({ PropertyTypes: ['Statistics', 'ProcessList'] } as never);
      const stats = parseStatistics(props);
      assert.ok(stats, 'statistics parsed');
      assert.ok(stats.timestampNs > 0n);
      assert.ok(stats.cpuTotalNs >= 0n && stats.uptimeNs >= 0n);
      assert.ok(props.ProcessList!.some((p) => p.ProcessId === busy.pid || (p.ProcessId ?? 0) > 0), 'process list');
      for (const req of buildResourceUpdateRequests({ memory: { limit: 256 * 1024 * 1024 } })) await sys.modify(req);
      await busy.terminate();
      busy.close();
      await sys.terminate();
      await within(sys.waitExit(), 10_000, 'stop');
      const [req] = buildResourceUpdateRequests({ memory: { limit: 128 * 1024 * 1024 } });
      await rejectsWith(sys.modify(req!), 'HCS_E_INVALID_STATE');
    } finally {
      sys.close();
    }
  });

  withTarget('error mapping: every HCS code the runtime handles arrives as a PlatformError of that name, state unchanged', async (t) => {
    const sys = await t.platform.compute.createComputeSystem(`contract-${randomUUID()}`, containerDoc());
    try {
      for (const code of MAPPED) {
        await t.failNext('start', HRESULT[code]);
        const e = await rejectsWith(sys.start(), code);
        assert.equal(e.hresult, HRESULT[code] >>> 0);
      }
      assert.equal((await sys.getProperties()).State, 'Created', 'a failed start leaves the system created');
      await sys.start();
      await t.failNext('getProperties', HRESULT.HCS_E_CONNECTION_TIMEOUT);
      await rejectsWith(sys.getProperties(), 'HCS_E_CONNECTION_TIMEOUT');
      await t.failNext('modify', HRESULT.HCS_E_INVALID_JSON);
      await rejectsWith(sys.modify(buildResourceUpdateRequests({ memory: { limit: 256 * 1024 * 1024 } })[0]!), 'HCS_E_INVALID_JSON');
      await t.failNext('createProcess', HRESULT.ERROR_FILE_NOT_FOUND);
      await rejectsWith(sys.createProcess(sh('true')), 'ERROR_FILE_NOT_FOUND');
      const p = await sys.createProcess(sh('sleep 30', { CreateStdOutPipe: false, CreateStdErrPipe: false }));
      await t.failNext('terminateProcess', HRESULT.E_ACCESSDENIED);
      await rejectsWith(p.terminate(), 'E_ACCESSDENIED');
      await p.terminate();
      await within(p.waitExit(), 10_000, 'exit');
      p.close();
      for (const code of HCN_MAPPED) {
        await t.failNext('createNamespace', HRESULT[code]);
        await rejectsWith(t.platform.network.createNamespace(randomUUID(), { SchemaVersion: { Major: 2, Minor: 0 } } as never), code);
      }
      await t.failNext('importLayer', HRESULT.ERROR_PATH_NOT_FOUND);
      await rejectsWith(t.platform.storage.importLayer('/nonexistent/layer', '/nonexistent/src', { Layers: [] } as never), 'ERROR_PATH_NOT_FOUND');
    } finally {
      await sys.terminate().catch(() => undefined);
      sys.close();
    }
  });

  withTarget('network: networks, endpoints, namespaces and their HCN errors', async ({ platform }) => {
    const n = platform.network;
    const netId = randomUUID();
    const net = await n.createNetwork(netId, { Name: `contract-${netId.slice(0, 8)}`, Type: 'NAT', Ipams: [{ Type: 'Static', Subnets: [{ IpAddressPrefix: '10.77.0.0/24' }] }] } as never);
    assert.equal(net.ID!.toLowerCase(), netId);
    assert.equal(net.Type, 'NAT');
    assert.equal((await n.queryNetwork(netId)).ID!.toLowerCase(), netId);
    await rejectsWith(n.queryNetwork(randomUUID()), 'HCN_E_NETWORK_NOT_FOUND');
    // HcnModifyNetwork: the overlay node agent adds and removes network policies this way.
    assert.ok(n.modifyNetwork, 'modifyNetwork is implemented');
    const route = buildNetworkPolicyRequest('Add', [remoteSubnetRoutePolicy({ destinationPrefix: '10.78.0.0/24', providerAddress: '192.0.2.10', isolationId: 4096 })]);
    await n.modifyNetwork(netId, route);
    await rejectsWith(n.modifyNetwork(randomUUID(), route), 'HCN_E_NETWORK_NOT_FOUND');
    const epId = randomUUID();
    const ep = await n.createEndpoint(netId, epId, { Name: 'contract-ep', IpConfigurations: [{ IpAddress: '10.77.0.5', PrefixLength: 24 }] } as never);
    assert.equal(ep.ID!.toLowerCase(), epId);
    assert.equal(ep.HostComputeNetwork!.toLowerCase(), netId);
    await rejectsWith(n.queryEndpoint(randomUUID()), 'HCN_E_ENDPOINT_NOT_FOUND');
    const nsId = randomUUID();
    const ns = await n.createNamespace(nsId, { SchemaVersion: { Major: 2, Minor: 0 } } as never);
    assert.equal(ns.ID!.toLowerCase(), nsId);
    const add = buildNamespaceEndpointRequest(epId, 'Add');
    await rejectsWith(n.modifyNamespace(randomUUID(), add), 'ERROR_NOT_FOUND');
    await n.modifyNamespace(nsId, add);
    await rejectsWith(n.modifyNamespace(nsId, add), 'HCN_E_ENDPOINT_NAMESPACE_ALREADY_EXISTS');
    assert.equal((await n.queryEndpoint(epId)).HostComputeNamespace!.toLowerCase(), nsId);
    // HcnQueryEndpointStats: the pod's traffic counters (CRI pod network stats, per-pod metrics).
    const counters = parseEndpointStats(await n.queryEndpointStats(epId), epId);
    assert.equal(counters.endpointId.toLowerCase(), epId);
    assert.ok([counters.rxBytes, counters.txBytes, counters.rxDropped, counters.txDropped].every((x) => Number.isSafeInteger(x) && x >= 0));
    await rejectsWith(n.queryEndpointStats(randomUUID()), 'HCN_E_ENDPOINT_NOT_FOUND');
    assert.deepEqual((await n.queryNamespace(nsId)).Resources!.map((r) => [r.Type, String(r.Data?.ID).toLowerCase()]), [['Endpoint', epId]]);
    assert.deepEqual((await n.enumerateNamespaces(buildIdQuery(nsId))).map((x) => x.ID!.toLowerCase()), [nsId]);
    await n.modifyNamespace(nsId, buildNamespaceEndpointRequest(epId, 'Remove'));
    await n.deleteNamespace(nsId);
    await rejectsWith(n.queryNamespace(nsId), 'ERROR_NOT_FOUND');
    await rejectsWith(n.deleteNamespace(nsId), 'ERROR_NOT_FOUND');
    await n.deleteEndpoint(epId);
    await n.deleteNetwork(netId);
    await rejectsWith(n.queryNetwork(netId), 'HCN_E_NETWORK_NOT_FOUND');
  });

  withTarget('no leaked handles or strings after a full lifecycle', async (t) => {
    if (!t.leaks) return; // the emulator's handles live in its service process; only FFI targets can count them
    const before = t.leaks();
    const sys = await t.platform.compute.createComputeSystem(`contract-${randomUUID()}`, containerDoc());
    await sys.start();
    const p = await sys.createProcess(sh('echo x'));
    await Promise.all([readAll(p.stdio.stdout), readAll(p.stdio.stderr)]);
    await p.waitExit();
    await p.getProperties();
    p.close();
    await sys.getProperties({ PropertyTypes: ['Statistics'] } as never);
    await rejectsWith(sys.start(), 'HCS_E_INVALID_STATE');
    await sys.terminate();
    await sys.waitExit();
    sys.close();
    await rejectsWith(t.platform.network.queryNamespace(randomUUID()), 'ERROR_NOT_FOUND');
    await t.platform.close();
    const after = t.leaks();
    assert.equal(after.handles, before.handles, 'every handle closed');
    assert.equal(after.strings, 0, 'every string freed');
    assert.equal(after.freeErrors, 0, 'no double / foreign / wrong-function frees');
  });
}
