import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validate } from '../../../../src/platform/schema.js';
import {
  ComputeSystem, ProcessParameters, ProcessStatus, Properties, PropertyQuery, SystemQuery, ModifySettingRequest,
  SignalProcessOptions, ProcessModifyRequest, SystemExitStatus, ResultError, LayerData, ServiceProperties,
} from '../../../../src/platform/hcs/schema/index.js';

function problem(schema: Parameters<typeof validate>[0], value: unknown) {
  const r = validate(schema, value);
  assert.equal(r.ok, false, 'expected the document to be rejected');
  return (r as { ok: false; problem: { path: string; message: string } }).problem;
}

const argon = {
  Owner: 'wincri',
  SchemaVersion: { Major: 2, Minor: 1 },
  ShouldTerminateOnLastHandleClosed: false,
  Container: {
    GuestOs: { HostName: 'web-0' },
    Storage: {
      Layers: [{ Id: 'a0b1c2d3-0000-5000-8000-000000000001', Path: 'C:\\layers\\base' }],
      Path: '\\\\?\\Volume{0b1c2d3e-0000-0000-0000-000000000000}\\',
      QoS: { IopsMaximum: 100 },
    },
    MappedDirectories: [{ HostPath: 'C:\\data', ContainerPath: 'C:\\data', ReadOnly: true }],
    MappedPipes: [{ ContainerPipeName: 'docker_engine', HostPath: '\\\\.\\pipe\\docker_engine' }],
    Memory: { SizeInMB: 512 },
    Processor: { Count: 2 },
    Networking: { Namespace: 'f7e5b3a1-1111-2222-3333-444455556666', DnsSearchList: 'a.local,b.local' },
    HvSocket: { Config: { DefaultBindSecurityDescriptor: 'D:P(A;;FA;;;SY)', ServiceTable: { x: { Disabled: true } } } },
    RegistryChanges: {
      AddValues: [{ Key: { Hive: 'System', Name: 'ControlSet001\\Control' }, Name: 'WaitToKillServiceTimeout', Type: 'String', StringValue: '2147483647' }],
      DeleteKeys: [{ Hive: 'Software', Name: 'X' }],
    },
    AssignedDevices: [{ Type: 'ClassGuid', InterfaceClassGuid: '5B45201D-F2F2-4F3B-85BB-30FF1F953599' }],
  },
};

test('a full process-isolated ComputeSystem document validates', () => {
  assert.deepEqual(validate(ComputeSystem, argon), { ok: true, value: argon });
});

test('hosted-system and VM documents validate (VM children are opaque)', () => {
  const vm = {
    Owner: 'x', SchemaVersion: { Major: 2, Minor: 1 }, ShouldTerminateOnLastHandleClosed: true,
    VirtualMachine: { StopOnReset: true, ComputeTopology: { Memory: { SizeInMB: 1024 } }, Devices: { Scsi: {} } },
  };
  assert.equal(validate(ComputeSystem, vm).ok, true);
  const hosted = { HostingSystemId: 'pod@vm', HostedSystem: { SchemaVersion: { Major: 2, Minor: 1 }, Container: { Storage: { Path: 'C:\\c' } } } };
  assert.equal(validate(ComputeSystem, hosted).ok, true);
});

test('unknown fields are rejected with their path', () => {
  const bad = structuredClone(argon) as { Container: { Storage: Record<string, unknown> } };
  bad.Container.Storage.Bogus = 1;
  assert.deepEqual(problem(ComputeSystem, bad), { path: 'Container.Storage.Bogus', message: 'unknown field "Bogus" in Storage' });
  const p = problem(ComputeSystem, { ...argon, Containr: {} });
  assert.equal(p.path, 'Containr');
});

test('wrong JSON types and enum values are rejected with their path', () => {
  const bad = structuredClone(argon) as { Container: { MappedDirectories: Record<string, unknown>[] } };
  bad.Container.MappedDirectories[0]!.ReadOnly = 'yes';
  const p = problem(ComputeSystem, bad);
  assert.equal(p.path, 'Container.MappedDirectories[0].ReadOnly');
  assert.match(p.message, /expected bool, got string/);

  const hive = structuredClone(argon) as { Container: { RegistryChanges: { AddValues: { Key: { Hive: string } }[] } } };
  hive.Container.RegistryChanges.AddValues[0]!.Key.Hive = 'HKLM';
  assert.equal(problem(ComputeSystem, hive).path, 'Container.RegistryChanges.AddValues[0].Key.Hive');

  assert.equal(problem(ComputeSystem, { SchemaVersion: { Major: 2.5 } }).path, 'SchemaVersion.Major');
  assert.equal(problem(ComputeSystem, { Container: { Processor: { Count: 2 ** 31 } } }).path, 'Container.Processor.Count');
  assert.equal(problem(ComputeSystem, { Container: { MappedDirectories: {} } }).path, 'Container.MappedDirectories');
  assert.match(problem(ComputeSystem, []).message, /expected ComputeSystem object, got array/);
});

test('JSON null is treated as an omitted field', () => {
  assert.equal(validate(ComputeSystem, { Owner: null, Container: { Networking: null } }).ok, true);
});

test('process documents', () => {
  assert.equal(validate(ProcessParameters, {
    CommandLine: 'cmd /c echo hi', WorkingDirectory: 'C:\\', Environment: { PATH: 'C:\\Windows' },
    EmulateConsole: true, CreateStdInPipe: true, CreateStdOutPipe: true, ConsoleSize: [25, 80], User: 'ContainerUser',
  }).ok, true);
  assert.equal(problem(ProcessParameters, { Environment: { A: 1 } }).path, 'Environment.A');
  assert.equal(problem(ProcessParameters, { ConsoleSize: ['25'] }).path, 'ConsoleSize[0]');
  assert.equal(validate(ProcessStatus, { ProcessId: 4242, Exited: true, ExitCode: 0xffffffff, LastWaitResult: -2147024891 }).ok, true);
  assert.equal(problem(ProcessStatus, { ExitCode: -1 }).path, 'ExitCode');
  for (const s of ['CtrlC', 'CtrlBreak', 'CtrlClose', 'CtrlLogOff', 'CtrlShutdown']) assert.equal(validate(SignalProcessOptions, { Signal: s }).ok, true);
  assert.equal(problem(SignalProcessOptions, { Signal: 'SIGTERM' }).path, 'Signal');
  assert.equal(validate(ProcessModifyRequest, { Operation: 'ConsoleSize', ConsoleSize: { Height: 40, Width: 120 } }).ok, true);
  assert.equal(validate(ProcessModifyRequest, { Operation: 'CloseHandle', CloseHandle: { Handle: 'StdIn' } }).ok, true);
  assert.equal(problem(ProcessModifyRequest, { CloseHandle: { Handle: 'Stdin' } }).path, 'CloseHandle.Handle');
  assert.equal(problem(ProcessModifyRequest, { ConsoleSize: { Height: 70000 } }).path, 'ConsoleSize.Height');
});

test('properties, queries and results', () => {
  assert.equal(validate(Properties, {
    Id: 'c1', SystemType: 'Container', Owner: 'wincri', State: 'Running', Stopped: false, RuntimeId: 'x',
    Statistics: {
      Timestamp: '2026-01-02T03:04:05.1234567Z', ContainerStartTime: '2026-01-02T03:00:00Z', Uptime100ns: 1,
      Processor: { TotalRuntime100ns: 10, RuntimeUser100ns: 6, RuntimeKernel100ns: 4 },
      Memory: { MemoryUsageCommitBytes: 1, MemoryUsageCommitPeakBytes: 2, MemoryUsagePrivateWorkingSetBytes: 3 },
      Storage: { ReadCountNormalized: 1, ReadSizeBytes: 2, WriteCountNormalized: 3, WriteSizeBytes: 4 },
    },
    ProcessList: [{ ProcessId: 4, ImageName: 'cmd.exe', CreateTimestamp: '2026-01-02T03:00:00Z', UserTime100ns: 5 }],
  }).ok, true);
  assert.equal(problem(Properties, { State: 'Exited' }).path, 'State');
  assert.equal(problem(Properties, { ExitType: 'Crashed' }).path, 'ExitType');
  assert.equal(problem(Properties, { Statistics: { Processor: { TotalRuntime100ns: -1 } } }).path, 'Statistics.Processor.TotalRuntime100ns');
  assert.equal(validate(PropertyQuery, { PropertyTypes: ['Statistics', 'ProcessList'] }).ok, true);
  assert.equal(problem(PropertyQuery, { PropertyTypes: ['Stats'] }).path, 'PropertyTypes[0]');
  assert.equal(validate(SystemQuery, { Owners: ['wincri'], Types: ['Container'] }).ok, true);
  assert.equal(problem(SystemQuery, { Owner: 'wincri' }).path, 'Owner');
  assert.equal(validate(ModifySettingRequest, { ResourcePath: 'Container/Memory/SizeInMB', RequestType: 'Update', Settings: 512 }).ok, true);
  assert.equal(problem(ModifySettingRequest, { RequestType: 'Replace' }).path, 'RequestType');
  assert.equal(validate(SystemExitStatus, { Status: 0, ExitType: 'GracefulExit' }).ok, true);
  assert.equal(validate(ResultError, { Error: -2143878907, ErrorMessage: 'The system cannot find the file specified.', ErrorEvents: [{ Message: 'x', EventId: 1 }] }).ok, true);
  assert.equal(validate(LayerData, { SchemaVersion: { Major: 2, Minor: 1 }, Layers: [{ Id: 'x', Path: 'C:\\l' }], FilterType: 'WCIFS' }).ok, true);
  assert.equal(problem(LayerData, { FilterType: 'NTFS' }).path, 'FilterType');
  assert.equal(validate(ServiceProperties, { SupportedSchemaVersions: [{ Major: 2, Minor: 1 }], HostBuild: '10.0.20348' }).ok, true);
  assert.equal(problem(ServiceProperties, { SupportedSchemaVersions: [{ Major: '2' }] }).path, 'SupportedSchemaVersions[0].Major');
});
