/**
 * run_as_username → the host account a HostProcess container runs as (hcsshim internal/jobcontainers logon.go):
 *  - `NT AUTHORITY\SYSTEM`, `NT AUTHORITY\LOCAL SERVICE`, `NT AUTHORITY\NETWORK SERVICE` (and their no-space
 *    spellings) are service accounts, logged on as services;
 *  - a bare name that is a local group gets a temporary local user (named after the container, at most 20
 *    characters, the Windows limit) that is added to the group and logged on interactively;
 *  - any other name (`DOMAIN\user`, `.\user`, a bare user name) is logged on interactively.
 * ContainerUser / ContainerAdministrator exist only inside process-isolated containers, never on the host.
 */
import type { JobUserDoc } from '../schema.js';
import { DocumentError } from '../../hcs/document/errors.js';

/** The account used when no user is requested (what the runtime itself runs as on Windows). */
export const DEFAULT_JOB_USER = 'NT AUTHORITY\\SYSTEM';

/** Windows limit on local user names (winapi.UserNameCharLimit in hcsshim). */
export const USER_NAME_CHAR_LIMIT = 20;

const SERVICE_ACCOUNTS = new Map<string, string>([
  ['system', 'NT AUTHORITY\\SYSTEM'],
  ['local service', 'NT AUTHORITY\\LOCAL SERVICE'],
  ['localservice', 'NT AUTHORITY\\LOCAL SERVICE'],
  ['network service', 'NT AUTHORITY\\NETWORK SERVICE'],
  ['networkservice', 'NT AUTHORITY\\NETWORK SERVICE'],
]);

/** Built-in local groups of every Windows host (lower case); the Windows backend may know more. */
export const BUILTIN_LOCAL_GROUPS: readonly string[] = [
  'administrators', 'users', 'power users', 'guests', 'backup operators', 'remote desktop users',
  'performance monitor users', 'performance log users', 'event log readers', 'hyper-v administrators',
  'network configuration operators', 'distributed com users', 'iis_iusrs', 'cryptographic operators',
  'remote management users',
];

export function jobUser(requested: string | undefined, containerId: string, localGroups: readonly string[] = BUILTIN_LOCAL_GROUPS): JobUserDoc {
  const name = (requested ?? '').trim() || DEFAULT_JOB_USER;
  const lower = name.toLowerCase();
  if (lower === 'containeruser' || lower === 'containeradministrator') {
    throw new DocumentError(`run_as_username "${name}" exists only inside process-isolated containers; a HostProcess container runs as a host account (NT AUTHORITY\\SYSTEM, NT AUTHORITY\\Local service, NT AUTHORITY\\Network service, a local group or a host user)`);
  }
  const slash = name.indexOf('\\');
  if (slash >= 0) {
    const domain = name.slice(0, slash);
    const user = name.slice(slash + 1);
    if (!user) throw new DocumentError(`run_as_username "${name}" names a domain without a user`);
    if (domain.toUpperCase() === 'NT AUTHORITY') {
      const canonical = SERVICE_ACCOUNTS.get(user.toLowerCase());
      if (!canonical) throw new DocumentError(`run_as_username "${name}" is not a service account; NT AUTHORITY accounts usable here are SYSTEM, LOCAL SERVICE and NETWORK SERVICE`);
      return { Name: canonical, Kind: 'ServiceAccount', LogonType: 'Service' };
    }
    return { Name: name, Kind: 'User', LogonType: 'Interactive' };
  }
  if (localGroups.includes(lower)) {
    return { Name: name, Kind: 'LocalGroup', LogonType: 'Interactive', TemporaryUser: containerId.slice(0, USER_NAME_CHAR_LIMIT) };
  }
  return { Name: name, Kind: 'User', LogonType: 'Interactive' };
}
