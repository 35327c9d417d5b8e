/**
 * The documents the Windows bindings make where HCS hands none over (hcs/document/exit-status.ts) and the shape of
 * HcsGetServiceProperties they ask and flatten (hcs/document/service-properties.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lostProcessExit, unreadableSystemExit, systemExitOf, SERVICE_BASIC_QUERY, serviceBasicProperties } from '../../../../src/platform/hcs/document/index.js';
import { HRESULT } from '../../../../src/platform/hresult.js';

test('a process exit HCS did not report: ExitCode 0xFFFFFFFF, the reason as a signed LastWaitResult', () => {
  assert.deepEqual(lostProcessExit(7, HRESULT.HCS_E_SERVICE_DISCONNECT), { ProcessId: 7, Exited: true, ExitCode: 0xffffffff, LastWaitResult: 0x8037011e | 0 });
  assert.equal(lostProcessExit(7, HRESULT.E_FAIL).LastWaitResult, -2147467259);
});

test('system exits: an unreadable event is E_FAIL; a system found Stopped exits with its ExitType (None when absent)', () => {
  assert.deepEqual(unreadableSystemExit(), { Status: 0x80004005 | 0 });
  assert.deepEqual(systemExitOf({ State: 'Stopped', ExitType: 'UnexpectedExit' }), { Status: 0, ExitType: 'UnexpectedExit' });
  assert.deepEqual(systemExitOf({ State: 'Stopped' }), { Status: 0, ExitType: 'None' });
});

test('service properties: the Basic query; its entry flattened, the list kept; an empty answer has no versions', () => {
  assert.equal(JSON.stringify(SERVICE_BASIC_QUERY), '{"PropertyTypes":["Basic"]}');
  const v = [{ Major: 2, Minor: 1 }];
  assert.deepEqual(serviceBasicProperties({ Properties: [{ SupportedSchemaVersions: v }] }), { SupportedSchemaVersions: v, Properties: [{ SupportedSchemaVersions: v }] });
  assert.deepEqual(serviceBasicProperties({}), { SupportedSchemaVersions: [], Properties: [] });
});
