/**
 * The host account a job container's processes run as (hcsshim jobcontainers logon.go), as a primary token:
 *  - `NT AUTHORITY\SYSTEM|LOCAL SERVICE|NETWORK SERVICE`: LogonUserW with the service logon type, no password;
 *  - a local group: a temporary local user (the document names it) with a random strong password, added to the
 *    group, logged on interactively; deleted with the container (./records.ts keeps its name across restarts);
 *  - any other user (`DOMAIN\user`, `.\user`, `user`): LogonUserW interactively, as hcsshim does.
 * The password lives only in memory, long enough to log on once.
 */
import { randomBytes } from 'node:crypto';
import type { JobUserDoc } from '../../jobs/schema.js';
import {
  type Bindings, type Pointer, isNull, win32Error, netError, LOGON32_LOGON_INTERACTIVE, LOGON32_LOGON_SERVICE,
  LOGON32_PROVIDER_DEFAULT, USER_PRIV_USER, TEMPORARY_USER_FLAGS, NERR_Success, NERR_UserNotFound, NERR_UserExists,
} from '../ffi/index.js';

const OP = 'LogonUserW';

function splitUser(name: string): { domain: string | null; user: string } {
  const i = name.indexOf('\\');
  return i < 0 ? { domain: null, user: name } : { domain: name.slice(0, i) || null, user: name.slice(i + 1) };
}

function logon(b: Bindings, user: string, domain: string | null, password: string | null, type: number, who: string): Pointer {
  const out: Pointer[] = [null];
  if (!b.accounts.LogonUserW(user, domain, password, type, LOGON32_PROVIDER_DEFAULT, out) || isNull(out[0])) {
    throw win32Error(b.jobs.GetLastError() as number, OP, `cannot log on ${who} (run_as_username); it must be an account of this host that may log on ${type === LOGON32_LOGON_SERVICE ? 'as a service' : 'interactively'}`);
  }
  return out[0];
}

/** At least 32 characters with upper case, lower case, digits and a symbol: meets any local password policy. */
export function strongPassword(): string {
  return `${randomBytes(24).toString('base64url')}Aa1!`;
}

/**
 * NetUserAdd + NetLocalGroupAddMembers; returns the password. The user is deleted again if the group add fails.
 * Only called while no process of the container runs (./token.ts), so an existing user of that name can go.
 */
export function createTemporaryUser(b: Bindings, name: string, group: string): string {
  const password = strongPassword();
  const info = { usri1_name: name, usri1_password: password, usri1_password_age: 0, usri1_priv: USER_PRIV_USER,
    usri1_home_dir: null, usri1_comment: 'wincri HostProcess container user', usri1_flags: TEMPORARY_USER_FLAGS, usri1_script_path: null };
  let st = b.accounts.NetUserAdd(null, 1, info, [0]) as number;
  if (st === NERR_UserExists) {
    // Ours (the name is the container's, recorded before creation) but its password is lost: recreate it.
    deleteTemporaryUser(b, name);
    st = b.accounts.NetUserAdd(null, 1, info, [0]) as number;
  }
  if (st !== NERR_Success) throw netError(st, 'NetUserAdd', `cannot create the temporary user ${name} for local group ${group}`);
  const add = b.accounts.NetLocalGroupAddMembers(null, group, 3, { lgrmi3_domainandname: name }, 1) as number;
  if (add !== NERR_Success) {
    b.accounts.NetUserDel(null, name);
    throw netError(add, 'NetLocalGroupAddMembers', `cannot add the temporary user ${name} to local group ${group}`);
  }
  return password;
}

/** NetUserDel; a user that is already gone is fine (crash between record and creation, or a second removal). */
export function deleteTemporaryUser(b: Bindings, name: string): void {
  const st = b.accounts.NetUserDel(null, name) as number;
  if (st !== NERR_Success && st !== NERR_UserNotFound) throw netError(st, 'NetUserDel', `cannot delete the temporary user ${name}`);
}

/** A primary token for the document's user; the caller closes it (CloseHandle). */
export function logonJobUser(b: Bindings, u: JobUserDoc): Pointer {
  if (u.Kind === 'ServiceAccount') {
    const { domain, user } = splitUser(u.Name);
    return logon(b, user, domain, null, LOGON32_LOGON_SERVICE, u.Name);
  }
  if (u.Kind === 'LocalGroup') {
    const name = u.TemporaryUser!;
    const password = createTemporaryUser(b, name, u.Name);
    return logon(b, name, null, password, LOGON32_LOGON_INTERACTIVE, `${name} (temporary member of ${u.Name})`);
  }
  const { domain, user } = splitUser(u.Name);
  return logon(b, user, domain, null, LOGON32_LOGON_INTERACTIVE, u.Name);
}
