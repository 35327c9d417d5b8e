/**
 * Bounded, seeded fuzzing of the parsers that read what others wrote: HCS documents (the emulator's computecore
 * parser), HCN documents, HCS statistics, CNI results and network configurations. A parser may refuse an input
 * with its own error type; any other exception (TypeError, RangeError, stack overflow) or a hang is a finding.
 * WINCRI_FUZZ_SECONDS / WINCRI_FUZZ_SEED: see test/helpers/fuzz.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzz, mutateBytes, mutateJson, type FuzzReport } from '../../helpers/fuzz.js';
import { parseDoc } from '../../../src/platform/emulator/service/documents.js';
import { ComputeSystem, ProcessParameters } from '../../../src/platform/hcs/schema/index.js';
import { HostComputeEndpoint, HostComputeNamespace, HostComputeNetwork } from '../../../src/platform/hcn/schema/index.js';
import { validate } from '../../../src/platform/schema.js';
import { PlatformError } from '../../../src/platform/hresult.js';
import { parseStatistics } from '../../../src/platform/hcs/document/statistics.js';
import { podIpsOf, parseNetworkConfig, ConfigProblem } from '../../../src/network/index.js';

const report = (r: FuzzReport) => { assert.deepEqual(r.failures, [], r.failures.join('\n\n')); assert.ok(r.iterations > 0); console.log(`fuzz: ${r.iterations} iterations, seed ${r.seed}`); };
const textMutate = (s: string, rng: Parameters<typeof mutateBytes>[1]) => (rng.chance(0.5) ? mutateBytes(Buffer.from(s), rng).toString('utf8') : JSON.stringify(mutateJson(JSON.parse(s), rng)));

const HCS_DOCS = [
  JSON.stringify({ SchemaVersion: { Major: 2, Minor: 1 }, Owner: 'wincri', ShouldTerminateOnLastHandleClosed: true, Container: { Storage: { Layers: [{ Id: '7e3b4a0e-0000-0000-0000-000000000000', Path: 'C:\\l' }], Path: 'C:\\s' }, Networking: { Namespace: 'ns' }, MappedDirectories: [{ HostPath: 'C:\\h', ContainerPath: 'C:\\c', ReadOnly: true }], Processor: { Count: 2, Maximum: 5000 }, Memory: { SizeInMB: 512 } } }),
  JSON.stringify({ CommandLine: 'cmd /c echo hi', WorkingDirectory: 'C:\\', Environment: { A: 'b' }, CreateStdInPipe: true, CreateStdOutPipe: true, ConsoleSize: [24, 80], EmulateConsole: false }),
];

test('HCS documents: the computecore parser refuses bad documents with HCS_E_INVALID_JSON, never crashes', async () => {
  report(await fuzz({
    name: 'hcs-document', corpus: HCS_DOCS, seconds: 4,
    mutate: (s, rng) => textMutate(s, rng),
    target: (s) => { parseDoc(ComputeSystem, 'HcsCreateComputeSystem', s, false); parseDoc(ProcessParameters, 'HcsCreateProcess', s, false); },
    expected: (e) => e instanceof PlatformError && e.code === 'HCS_E_INVALID_JSON',
  }));
});

const HCN_DOCS = [
  { ID: 'a', HostComputeNetwork: 'n', Policies: [{ Type: 'PortMapping', Settings: { InternalPort: 80, ExternalPort: 8080, Protocol: 6 } }], IpConfigurations: [{ IpAddress: '10.0.0.2', PrefixLength: 24 }], Dns: { ServerList: ['10.0.0.10'], Search: ['svc'] }, SchemaVersion: { Major: 2, Minor: 0 } },
  { ID: 'b', Type: 'NAT', Ipams: [{ Type: 'Static', Subnets: [{ IpAddressPrefix: '10.0.0.0/24', Routes: [{ NextHop: '10.0.0.1', DestinationPrefix: '0.0.0.0/0' }] }] }], SchemaVersion: { Major: 2, Minor: 0 } },
  { ID: 'c', Type: 'HostDefault', Resources: { Container: [] }, SchemaVersion: { Major: 2, Minor: 0 } },
];

test('HCN documents: schema validation answers ok or a problem for any value, never throws', async () => {
  report(await fuzz({
    name: 'hcn-document', corpus: HCN_DOCS, seconds: 3,
    mutate: (v, rng) => mutateJson(v, rng) as typeof v,
    target: (v) => { for (const s of [HostComputeEndpoint, HostComputeNetwork, HostComputeNamespace]) validate(s as never, v); },
    expected: () => false,
  }));
});

test('HCS statistics: any properties document gives statistics or nothing, never throws', async () => {
  const props = { Statistics: { Timestamp: '2024-01-02T03:04:05.123456789Z', ContainerStartTime: '2024-01-02T03:04:05Z', Uptime100ns: 5, Processor: { TotalRuntime100ns: 10, RuntimeUser100ns: 4, RuntimeKernel100ns: 6 }, Memory: { MemoryUsageCommitBytes: 1, MemoryUsageCommitPeakBytes: 2, MemoryUsagePrivateWorkingSetBytes: 3 }, Storage: { ReadCountNormalized: 1, ReadSizeBytes: 2, WriteCountNormalized: 3, WriteSizeBytes: 4 } } };
  report(await fuzz({
    name: 'hcs-statistics', corpus: [props], seconds: 2,
    mutate: (v, rng) => mutateJson(v, rng) as typeof v,
    target: (v) => parseStatistics(v as never, 1n),
    expected: () => false,
  }));
});

const CNI_RESULTS = [
  { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', mac: '00:11:22:33:44:55' }], ips: [{ address: '10.0.0.2/24', gateway: '10.0.0.1', interface: 0 }, { address: 'fd00::2/64', interface: 0 }], routes: [{ dst: '0.0.0.0/0' }], dns: { nameservers: ['10.0.0.10'] } },
  { cniVersion: '0.2.0', ip4: { ip: '10.1.0.5/16', gateway: '10.1.0.1' } },
];

test('CNI results: any plugin output gives a list of addresses, never throws', async () => {
  report(await fuzz({
    name: 'cni-result', corpus: CNI_RESULTS, seconds: 3,
    mutate: (v, rng) => mutateJson(v, rng) as typeof v,
    target: (v) => { const r = podIpsOf(v, 'eth0'); assert.ok(Array.isArray(r.ips) && r.ips.every((x) => typeof x === 'string')); },
    expected: () => false,
  }));
});

test('CNI network configurations: refused with ConfigProblem, never a crash', async () => {
  const conf = JSON.stringify({ cniVersion: '1.0.0', name: 'n', plugins: [{ type: 'nat', subnet: '10.0.0.0/24', capabilities: { portMappings: true } }, { type: 'portmap' }] });
  report(await fuzz({
    name: 'cni-config', corpus: [conf, JSON.stringify({ cniVersion: '0.4.0', name: 'x', type: 'bridge' })], seconds: 3,
    mutate: (s, rng) => textMutate(s, rng),
    target: (s) => parseNetworkConfig(s, 'fuzz.conflist'),
    expected: (e) => e instanceof ConfigProblem,
  }));
});

test('regressions found by the fuzzer: non-string Timestamp, NaN/Infinity counters, null CNI result entries', () => {
  const st = parseStatistics({ Statistics: { Timestamp: 5, Uptime100ns: NaN, Processor: { TotalRuntime100ns: Infinity }, Memory: { MemoryUsageCommitBytes: -3 } } } as never, 7n)!;
  assert.equal(st.timestampNs, 7n);
  assert.equal(st.uptimeNs, 0n);
  assert.equal(st.cpuTotalNs, 0n);
  assert.equal(st.memoryCommitBytes, 0);
  assert.deepEqual(podIpsOf({ cniVersion: '1.0.0', interfaces: [null], ips: [null, { address: '10.0.0.2/24', interface: 0 }] }, 'eth0').ips, ['10.0.0.2']);
  assert.deepEqual(podIpsOf({ cniVersion: '0.2.0', ip4: null }, 'eth0').ips, []);
});
