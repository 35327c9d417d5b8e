/**
 * Which token a job container's next process gets. The first process logs the document's user on (./users.ts)
 * and the token is kept for the container's later processes (exec), as hcsshim does. A daemon restarted while the
 * container runs has no token and, for a temporary user, no password: it takes the token of a process already in
 * the job (OpenProcessToken), which is the same user. Also the user's default environment block.
 */
import { PlatformError, HRESULT } from '../../hresult.js';
import {
  type Bindings, type Pointer, isNull, win32Error, processIdListBuffer, parseProcessIdList, decodeEnvironmentBlock,
  JobObjectBasicProcessIdList, PROCESS_ALL_ACCESS, TOKEN_ASSIGN_PRIMARY, TOKEN_DUPLICATE, TOKEN_QUERY,
} from '../ffi/index.js';
import type { JobTracker } from './tracker.js';
import { logonJobUser } from './users.js';

function tokenOfRunningProcess(b: Bindings, job: Pointer, id: string): Pointer {
  const list = processIdListBuffer(64);
  const pids = b.jobs.QueryInformationJobObject(job, JobObjectBasicProcessIdList, list, list.length, [0]) ? parseProcessIdList(list) : [];
  for (const pid of pids) {
    const h = b.proc.OpenProcess(PROCESS_ALL_ACCESS, 0, pid >>> 0) as Pointer;
    if (isNull(h)) continue;
    const out: Pointer[] = [null];
    const ok = b.proc.OpenProcessToken(h, TOKEN_ASSIGN_PRIMARY | TOKEN_DUPLICATE | TOKEN_QUERY, out);
    b.win32.CloseHandle(h);
    if (ok && !isNull(out[0])) return out[0];
  }
  throw new PlatformError(HRESULT.HCS_E_INVALID_STATE, 'JobCreateProcess',
    `job container ${id} runs as a temporary user created before the runtime restarted and has no running process to take its token from; recreate the container`);
}

export function tokenFor(b: Bindings, job: Pointer, t: JobTracker): Pointer {
  if (!isNull(t.token)) return t.token;
  const user = t.doc!.User;
  const restarted = t.state === 'Running' && user.Kind === 'LocalGroup' && !t.createdHere;
  t.token = restarted ? tokenOfRunningProcess(b, job, t.id) : logonJobUser(b, user);
  return t.token;
}

export function defaultEnvironment(b: Bindings, token: Pointer): string[] {
  const out: Pointer[] = [null];
  if (!b.proc.CreateEnvironmentBlock(out, token, 0) || isNull(out[0])) throw win32Error(b.jobs.GetLastError() as number, 'CreateEnvironmentBlock');
  try { return decodeEnvironmentBlock(out[0]); } finally { b.proc.DestroyEnvironmentBlock(out[0]); }
}
