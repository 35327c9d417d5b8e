import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateCredentialSpec } from '../../../src/runtime/credential-spec.js';
import { isRuntimeError } from '../../../src/errors.js';

const good = {
  CmsPlugins: ['ActiveDirectory'],
  DomainJoinConfig: {
    Sid: 'S-1-5-21-702590844-1001920913-2680819671', MachineAccountName: 'webapp01', Guid: '56d9b8c3-7a1f-4f4c-9a2e-3c0b9f0e5e11',
    DnsTreeName: 'contoso.com', DnsName: 'contoso.com', NetBiosName: 'CONTOSO',
  },
  ActiveDirectoryConfig: { GroupManagedServiceAccounts: [{ Name: 'webapp01', Scope: 'contoso.com' }, { Name: 'webapp01', Scope: 'CONTOSO' }] },
};

function rejects(doc: unknown, message: RegExp): void {
  const text = typeof doc === 'string' ? doc : JSON.stringify(doc);
  assert.throws(() => validateCredentialSpec(text, 'credential_spec'), (e: unknown) => isRuntimeError(e, 'InvalidArgument') && message.test((e as Error).message));
}

test('credential spec: a New-CredentialSpec document passes unchanged', () => {
  const text = JSON.stringify(good);
  assert.equal(validateCredentialSpec(text, 'credential_spec'), text);
});

test('credential spec: malformed JSON and missing fields say what is wrong', () => {
  rejects('{"CmsPlugins": [', /not valid JSON/);
  rejects([], /expected a JSON object/);
  rejects({ ...good, CmsPlugins: [] }, /CmsPlugins/);
  rejects({ ...good, DomainJoinConfig: undefined }, /DomainJoinConfig is required/);
  rejects({ ...good, DomainJoinConfig: { ...good.DomainJoinConfig, Sid: '', NetBiosName: undefined } }, /missing Sid, NetBiosName/);
  rejects({ ...good, DomainJoinConfig: { ...good.DomainJoinConfig, Guid: 'nope' } }, /Guid "nope" is not a GUID/);
  rejects({ ...good, ActiveDirectoryConfig: {} }, /GroupManagedServiceAccounts must list/);
  rejects({ ...good, ActiveDirectoryConfig: { GroupManagedServiceAccounts: [{ Name: 'x' }] } }, /\[0\] needs Name and Scope/);
});
