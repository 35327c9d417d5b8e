/**
 * Which token a job container's next process gets. The first process logs the document's user on (./users.ts)
 * and the token is kept for the container's later processes (exec), as hcsshim does. Another process of wincri
 * (the IO keeper, a restarted daemon) has no token and, for a temporary user, no password: it takes the token of
 * a process already in the job (OpenProcessToken), which is the same user. Also the user's default environment.
 */
import { PlatformError, HRESULT } from '../../hresult.js';
import {
  type Bindings, type Pointer, isNull, win32Error, processIdListBuffer, parseProcessIdList, decodeEnvironmentBlock,
  JobObjectBasicProcessIdList, PROCESS_ALL_ACCESS, TOKEN_ASSIGN_PRIMARY, TOKEN_DUPLICATE, TOKEN_QUERY,
} from '../ffi/index.js';
import type { JobTracker } from './tracker.js';
import { logonJobUser } from './users.js';

function jobPids(b: Bindings, job: Pointer): number[] {
  const list = processIdListBuffer(64);
  return b.jobs.QueryInformationJobObject(job, JobObjectBasicProcessIdList, list, list.length, [0]) ? parseProcessIdList(list) : [];
}

function tokenOfRunningProcess(b: Bindings, pids: readonly number[], id: string): Pointer {
  for (const pid of pids) {
    const h = b.proc.OpenProcess(PROCESS_ALL_ACCESS, 0, pid >>> 0) as Pointer;
    if (isNull(h)) continue;
    const out: Pointer[] = [null];
    const ok = b.proc.OpenProcessToken(h, TOKEN_ASSIGN_PRIMARY | TOKEN_DUPLICATE | TOKEN_QUERY, out);
    b.win32.CloseHandle(h);
    if (ok && !isNull(out[0])) return out[0];
  }
  throw new PlatformError(HRESULT.HCS_E_INVALID_STATE, 'JobCreateProcess',
    `job container ${id} runs as a temporary user whose processes all ended; its password is not kept, so no new process can log on as it; recreate the container`);
}

/**
 * A temporary user's password lives only in the process that created the user (the IO keeper creates init
 * processes, the daemon execs, a restarted daemon knows neither): while a process of the job runs, its token is
 * the user's; with none, the user is (re)created and logged on.
 */
export function tokenFor(b: Bindings, job: Pointer, t: JobTracker): Pointer {
  if (!isNull(t.token)) return t.token;
  const user = t.doc!.User;
  const pids = user.Kind === 'LocalGroup' ? jobPids(b, job) : [];
  t.token = pids.length > 0 ? tokenOfRunningProcess(b, pids, t.id) : logonJobUser(b, user);
  return t.token;
}

export function defaultEnvironment(b: Bindings, token: Pointer): string[] {
  const out: Pointer[] = [null];
  if (!b.proc.CreateEnvironmentBlock(out, token, 0) || isNull(out[0])) throw win32Error(b.jobs.GetLastError() as number, 'CreateEnvironmentBlock');
  try { return decodeEnvironmentBlock(out[0]); } finally { b.proc.DestroyEnvironmentBlock(out[0]); }
}
