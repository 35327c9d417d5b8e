/**
 * gMSA credential specs as kubelet passes them (`windows.security_context.credential_spec`, inline JSON, the
 * document `New-CredentialSpec` writes): checked before anything is built, so a broken spec is an InvalidArgument
 * naming what is wrong rather than a failure deep in the compute service.
 */
import { invalidArgument } from '../errors.js';

const DOMAIN_JOIN_FIELDS = ['Sid', 'MachineAccountName', 'Guid', 'DnsTreeName', 'DnsName', 'NetBiosName'] as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Returns the spec (unchanged text) when valid; throws InvalidArgument otherwise. */
export function validateCredentialSpec(text: string, field: string): string {
  let doc: unknown;
  try { doc = JSON.parse(text); } catch (e) {
    throw invalidArgument(`${field}: not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(doc)) throw invalidArgument(`${field}: expected a JSON object (a gMSA credential spec)`);
  if (!Array.isArray(doc.CmsPlugins) || doc.CmsPlugins.length === 0 || doc.CmsPlugins.some((p) => typeof p !== 'string')) {
    throw invalidArgument(`${field}: CmsPlugins must be a non-empty list of strings (e.g. ["ActiveDirectory"])`);
  }
  const dj = doc.DomainJoinConfig;
  if (!isObject(dj)) throw invalidArgument(`${field}: DomainJoinConfig is required`);
  const missing = DOMAIN_JOIN_FIELDS.filter((k) => typeof dj[k] !== 'string' || dj[k] === '');
  if (missing.length > 0) throw invalidArgument(`${field}: DomainJoinConfig is missing ${missing.join(', ')}`);
  if (!/^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$/.test(dj.Guid as string)) {
    throw invalidArgument(`${field}: DomainJoinConfig.Guid "${String(dj.Guid)}" is not a GUID`);
  }
  const ad = doc.ActiveDirectoryConfig;
  const accounts = isObject(ad) ? ad.GroupManagedServiceAccounts : undefined;
  if (!Array.isArray(accounts) || accounts.length === 0) {
    throw invalidArgument(`${field}: ActiveDirectoryConfig.GroupManagedServiceAccounts must list at least one account`);
  }
  accounts.forEach((a, i) => {
    if (!isObject(a) || typeof a.Name !== 'string' || !a.Name || typeof a.Scope !== 'string' || !a.Scope) {
      throw invalidArgument(`${field}: ActiveDirectoryConfig.GroupManagedServiceAccounts[${i}] needs Name and Scope`);
    }
  });
  return text;
}
