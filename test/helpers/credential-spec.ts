/** A gMSA credential spec as New-CredentialSpec writes it (and kubelet passes it inline), for tests. */
export const CREDENTIAL_SPEC = {
  CmsPlugins: ['ActiveDirectory'],
  DomainJoinConfig: {
    Sid: 'S-1-5-21-702590844-1001920913-2680819671', MachineAccountName: 'webapp01', Guid: '56d9b8c3-7a1f-4f4c-9a2e-3c0b9f0e5e11',
    DnsTreeName: 'contoso.com', DnsName: 'contoso.com', NetBiosName: 'CONTOSO',
  },
  ActiveDirectoryConfig: { GroupManagedServiceAccounts: [{ Name: 'webapp01', Scope: 'contoso.com' }, { Name: 'webapp01', Scope: 'CONTOSO' }] },
};
export const CREDENTIAL_SPEC_TEXT = JSON.stringify(CREDENTIAL_SPEC);
