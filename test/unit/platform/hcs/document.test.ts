import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validate } from '../../../../src/platform/schema.js';
import type { ContainerSpec } from '../../../../src/platform/spec.js';
import {
  ComputeSystem, ProcessParameters, ModifySettingRequest, SignalProcessOptions, ProcessModifyRequest, LayerData,
  type PropertiesDoc,
} from '../../../../src/platform/hcs/schema/index.js';
import {
  buildContainerDocument, buildProcessParameters, buildExecProcessParameters, buildResourceUpdateRequests,
  signalOptions, layerId, uuidV5, buildLayerData, parseStatistics, parseRfc3339Ns, formatRfc3339Ns,
  normalizeContainerPath, consoleSizeRequest, closeStdinRequest, DocumentError, splitCommandLine,
} from '../../../../src/platform/hcs/document/index.js';

function spec(over: Partial<ContainerSpec> = {}, windows: Partial<ContainerSpec['windows']> = {}): ContainerSpec {
  return {
    ociVersion: '1.1.0',
    process: { args: ['cmd.exe', '/c', 'echo hello world'], env: ['PATH=C:\\Windows'], cwd: 'C:\\', terminal: false, user: { username: 'ContainerUser' } },
    mounts: [],
    annotations: {},
    ...over,
    windows: { layerFolders: ['C:\\layers\\top', 'C:\\layers\\base'], ...windows },
  };
}
const opts = {
  owner: 'wincri',
  storagePath: '\\\\?\\Volume{4c5d8e3a-1b2c-4d5e-8f90-123456789abc}\\',
  layers: [{ id: layerId('C:\\layers\\top'), path: 'C:\\layers\\top' }, { id: layerId('C:\\layers\\base'), path: 'C:\\layers\\base' }],
  hostProcessorCount: 4,
};

function assertValid(schema: Parameters<typeof validate>[0], doc: unknown) {
  const r = validate(schema, doc);
  assert.ok(r.ok, r.ok ? '' : `${r.problem.path}: ${r.problem.message}`);
}

test('container document: mounts, named pipe, resources, hostname, DNS', () => {
  const s = spec({
    hostname: 'web-0',
    mounts: [
      { destination: 'C:\\data', source: 'C:\\host\\data', options: ['rw'] },
      { destination: 'c:/config/', source: 'C:\\host\\cfg', options: ['ro'] },
      { destination: '\\logs', source: 'D:\\logs', options: [] },
      { destination: '\\\\.\\pipe\\docker_engine', source: '\\\\.\\pipe\\docker_engine', options: [] },
    ],
  }, {
    resources: { memory: { limit: 512 * 1024 * 1024 + 5 }, cpu: { count: 8, maximum: 5000, shares: 10 }, storage: { iops: 300, bps: 1000000 } },
    network: { networkNamespace: 'a1b2c3d4-1111-2222-3333-444455556666', dnsSearchList: ['svc.cluster.local', 'cluster.local'], allowUnqualifiedDNSQuery: true },
  });
  const doc = buildContainerDocument(s, opts);
  assertValid(ComputeSystem, doc);
  assert.deepEqual(doc, {
    Owner: 'wincri',
    SchemaVersion: { Major: 2, Minor: 1 },
    ShouldTerminateOnLastHandleClosed: false,
    Container: {
      GuestOs: { HostName: 'web-0' },
      Storage: {
        Layers: [{ Id: layerId('C:\\layers\\top'), Path: 'C:\\layers\\top' }, { Id: layerId('C:\\layers\\base'), Path: 'C:\\layers\\base' }],
        Path: opts.storagePath,
        QoS: { IopsMaximum: 300, BandwidthMaximum: 1000000 },
      },
      MappedDirectories: [
        { HostPath: 'C:\\host\\data', ContainerPath: 'C:\\data' },
        { HostPath: 'C:\\host\\cfg', ContainerPath: 'C:\\config', ReadOnly: true },
        { HostPath: 'D:\\logs', ContainerPath: 'C:\\logs' },
      ],
      MappedPipes: [{ ContainerPipeName: 'docker_engine', HostPath: '\\\\.\\pipe\\docker_engine' }],
      Memory: { SizeInMB: 512 },
      Processor: { Count: 4 }, // count wins over maximum/shares and is clamped to the host
      Networking: {
        Namespace: 'a1b2c3d4-1111-2222-3333-444455556666',
        DnsSearchList: 'svc.cluster.local,cluster.local',
        AllowUnqualifiedDnsQuery: true,
      },
      RegistryChanges: {
        AddValues: [{ Key: { Hive: 'System', Name: 'ControlSet001\\Control' }, Name: 'WaitToKillServiceTimeout', Type: 'String', StringValue: '2147483647' }],
      },
    },
  });
});

test('container document: minimal spec, processor precedence, schema version, shared network', () => {
  const min = buildContainerDocument(spec(), { ...opts, schemaVersion: { Major: 2, Minor: 4 } });
  assertValid(ComputeSystem, min);
  assert.deepEqual(min.SchemaVersion, { Major: 2, Minor: 4 });
  assert.equal(min.Container?.GuestOs, undefined);
  assert.equal(min.Container?.Memory, undefined);
  assert.equal(min.Container?.Processor, undefined);
  assert.equal(min.Container?.Networking, undefined);
  assert.equal(min.Container?.MappedDirectories, undefined);
  assert.equal(min.ShouldTerminateOnLastHandleClosed, false);

  const max = buildContainerDocument(spec({}, { resources: { cpu: { maximum: 2500, shares: 7 } } }), opts);
  assert.deepEqual(max.Container?.Processor, { Maximum: 2500 });
  const weight = buildContainerDocument(spec({}, { resources: { cpu: { shares: 20000 } } }), opts);
  assert.deepEqual(weight.Container?.Processor, { Weight: 10000 });
  const small = buildContainerDocument(spec({}, { resources: { memory: { limit: 1000 } } }), opts);
  assert.equal(small.Container?.Memory, undefined);

  const shared = buildContainerDocument(spec({}, { network: { networkSharedContainerName: 'pause-1' } }), opts);
  assert.deepEqual(shared.Container?.Networking, { NetworkSharedContainerName: 'pause-1' });
  assertValid(ComputeSystem, shared);

  const dev = buildContainerDocument(spec({}, { devices: [{ id: '5B45201D-F2F2-4F3B-85BB-30FF1F953599', idType: 'class' }, { id: 'PCIROOT(0)#PCI(0100)', idType: 'vpci-location-path' }] }), opts);
  assert.deepEqual(dev.Container?.AssignedDevices, [
    { Type: 'ClassGuid', InterfaceClassGuid: '5B45201D-F2F2-4F3B-85BB-30FF1F953599' },
    { Type: 'DeviceInstance', LocationPath: 'PCIROOT(0)#PCI(0100)' },
  ]);
  assertValid(ComputeSystem, dev);
});

test('container document: invalid specs throw DocumentError', () => {
  const bad = (s: ContainerSpec) => assert.throws(() => buildContainerDocument(s, opts), DocumentError);
  bad(spec({ mounts: [{ destination: 'C:', source: 'C:\\x', options: [] }] }));
  bad(spec({ mounts: [{ destination: 'C:\\', source: 'C:\\x', options: [] }] }));
  bad(spec({ mounts: [{ destination: 'data', source: 'C:\\x', options: [] }] }));
  bad(spec({ mounts: [{ destination: 'C:data', source: 'C:\\x', options: [] }] }));
  bad(spec({ mounts: [{ destination: 'C:\\a\\..\\b', source: 'C:\\x', options: [] }] }));
  bad(spec({ mounts: [{ destination: 'C:\\a', source: '', options: [] }] }));
  bad(spec({ mounts: [{ destination: '\\\\.\\pipe\\', source: '\\\\.\\pipe\\x', options: [] }] }));
  bad(spec({}, { hostProcess: true }));
  bad(spec({}, { hyperv: {} }));
  bad(spec({}, { credentialSpec: '{}' }));
  bad(spec({}, { devices: [{ id: 'x', idType: 'gpu' }] }));
  assert.throws(() => buildContainerDocument(spec(), { ...opts, storagePath: '' }), DocumentError);
});

test('container path normalisation', () => {
  assert.equal(normalizeContainerPath('C:\\data'), 'C:\\data');
  assert.equal(normalizeContainerPath('c:/a//b/'), 'C:\\a\\b');
  assert.equal(normalizeContainerPath('/var/log'), 'C:\\var\\log');
  assert.equal(normalizeContainerPath('\\x'), 'C:\\x');
  assert.equal(normalizeContainerPath('D:\\x'), 'D:\\x');
  assert.throws(() => normalizeContainerPath('C:'), /names a drive/);
  assert.throws(() => normalizeContainerPath(''), DocumentError);
});

test('process parameters', () => {
  const p = buildProcessParameters(
    { args: ['cmd.exe', '/c', 'echo "hi there"'], env: ['A=1', 'B=x=y', 'EMPTY=', 'NOVALUE', '=C:=C:\\'], cwd: 'C:\\app', terminal: false, user: { username: 'ContainerAdministrator' } },
    { stdin: true, stdout: true, stderr: true });
  assertValid(ProcessParameters, p);
  assert.deepEqual(p, {
    CommandLine: 'cmd.exe /c "echo \\"hi there\\""',
    WorkingDirectory: 'C:\\app',
    User: 'ContainerAdministrator',
    Environment: { A: '1', B: 'x=y' },
    CreateStdInPipe: true,
    CreateStdOutPipe: true,
    CreateStdErrPipe: true,
  });
  assert.deepEqual(splitCommandLine(p.CommandLine!), ['cmd.exe', '/c', 'echo "hi there"']);

  const tty = buildExecProcessParameters(
    { args: ['powershell'], commandLine: 'powershell -NoLogo', env: [], cwd: '', terminal: true, consoleSize: { height: 30, width: 100 }, user: {} },
    { stdin: true, stdout: true, stderr: true });
  assertValid(ProcessParameters, tty);
  assert.deepEqual(tty, { CommandLine: 'powershell -NoLogo', EmulateConsole: true, CreateStdInPipe: true, CreateStdOutPipe: true, ConsoleSize: [30, 100] });

  assert.throws(() => buildProcessParameters({ args: [], env: [], cwd: 'C:\\', terminal: false, user: {} }, { stdin: false, stdout: true, stderr: true }), DocumentError);
});

test('resource update requests', () => {
  const reqs = buildResourceUpdateRequests({ memory: { limit: 255 * 1024 * 1024 + 100 }, cpu: { maximum: 1500, shares: 5 } });
  for (const r of reqs) assertValid(ModifySettingRequest, r);
  assert.deepEqual(reqs, [
    { ResourcePath: 'Container/Memory/SizeInMB', RequestType: 'Update', Settings: 256 },
    { ResourcePath: 'Container/Processor', RequestType: 'Update', Settings: { Maximum: 1500 } },
  ]);
  assert.deepEqual(buildResourceUpdateRequests({ memory: { limit: 256 * 1024 * 1024 } })[0]!.Settings, 256);
  assert.deepEqual(buildResourceUpdateRequests({ cpu: { count: 16, maximum: 10 } }, { hostProcessorCount: 8 }),
    [{ ResourcePath: 'Container/Processor', RequestType: 'Update', Settings: { Count: 8 } }]);
  assert.deepEqual(buildResourceUpdateRequests({ cpu: { shares: 2 } }), [{ ResourcePath: 'Container/Processor', RequestType: 'Update', Settings: { Weight: 2 } }]);
  assert.deepEqual(buildResourceUpdateRequests({ cpu: { affinity: [{ mask: '3', group: 0 }] } }), []);
  assert.deepEqual(buildResourceUpdateRequests({}), []);
});

test('signals and process modify requests', () => {
  assert.deepEqual(signalOptions('graceful'), { Signal: 'CtrlShutdown' });
  assert.deepEqual(signalOptions('interrupt'), { Signal: 'CtrlC' });
  assertValid(SignalProcessOptions, signalOptions('graceful'));
  assertValid(ProcessModifyRequest, consoleSizeRequest(24, 80));
  assertValid(ProcessModifyRequest, closeStdinRequest());
  assert.deepEqual(closeStdinRequest(), { Operation: 'CloseHandle', CloseHandle: { Handle: 'StdIn' } });
});

test('layer ids are deterministic v5 GUIDs of the folder base name', () => {
  // RFC 4122 test vector: uuid5(DNS namespace, "python.org")
  assert.equal(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'python.org'), '886313e1-3b8a-5372-9b90-0c9aee199e5d');
  const a = layerId('C:\\ProgramData\\wincri\\layers\\sha256-abc');
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(layerId('/var/lib/wincri/layers/sha256-abc/'), a);
  assert.equal(layerId('sha256-abc'), a);
  assert.notEqual(layerId('C:\\layers\\sha256-abd'), a);
  const ld = buildLayerData(['C:\\l\\top', 'C:\\l\\base']);
  assertValid(LayerData, ld);
  assert.deepEqual(ld.Layers?.map((l) => l.Id), [layerId('top'), layerId('base')]);
});

test('statistics are normalised to ns and bytes', () => {
  const props: PropertiesDoc = {
    Id: 'c1',
    Statistics: {
      Timestamp: '2026-03-04T05:06:07.1234567Z', Uptime100ns: 50,
      Processor: { TotalRuntime100ns: 2 ** 52, RuntimeUser100ns: 7, RuntimeKernel100ns: 3 },
      Memory: { MemoryUsageCommitBytes: 1000, MemoryUsageCommitPeakBytes: 2000, MemoryUsagePrivateWorkingSetBytes: 500 },
      Storage: { ReadCountNormalized: 1, ReadSizeBytes: 4096, WriteCountNormalized: 2, WriteSizeBytes: 8192 },
    },
  };
  const s = parseStatistics(props)!;
  assert.equal(s.timestampNs, BigInt(Date.UTC(2026, 2, 4, 5, 6, 7, 123)) * 1_000_000n + 456_700n);
  assert.equal(s.cpuTotalNs, BigInt(2 ** 52) * 100n);
  assert.equal(s.cpuUserNs, 700n);
  assert.equal(s.cpuKernelNs, 300n);
  assert.equal(s.uptimeNs, 5000n);
  assert.equal(s.memoryCommitBytes, 1000);
  assert.equal(s.memoryCommitPeakBytes, 2000);
  assert.equal(s.memoryPrivateWorkingSetBytes, 500);
  assert.deepEqual([s.storageReadCount, s.storageReadBytes, s.storageWriteCount, s.storageWriteBytes], [1, 4096, 2, 8192]);
  assert.equal(parseStatistics({ Id: 'x' }), undefined);
  assert.equal(parseStatistics({ Statistics: {} }, 99n)!.timestampNs, 99n);
  assert.equal(parseRfc3339Ns('2026-03-04T07:06:07+02:00'), BigInt(Date.UTC(2026, 2, 4, 5, 6, 7)) * 1_000_000n);
  assert.equal(parseRfc3339Ns('yesterday'), undefined);
  const ns = 1_772_600_767_123_456_700n;
  assert.equal(parseRfc3339Ns(formatRfc3339Ns(ns)), ns);
});
