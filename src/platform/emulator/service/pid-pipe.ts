/** The first line of the namespace helper's pid pipe (ns-helper-source.ts, `enter -p FD`). */
import type { Readable } from 'node:stream';
import { constants } from 'node:os';
import { errnoName } from './errno-name.js';
import { PlatformError, HRESULT } from '../../hresult.js';

const { ENOENT, EACCES, ENOTDIR } = constants.errno;

/**
 * Resolves with the pid written on the pipe ("PID\n"); undefined when the pipe ends first (the helper failed
 * early). Rejects with the HRESULT HcsCreateProcess returns when the helper reports that the program could not be
 * started ("E ERRNO STAGE\n": the exec, the working directory, the cgroup or the setup before them failed).
 */
export function readPidLine(pipe: Readable | null | undefined, op = 'HcsCreateProcess', program = ''): Promise<number | undefined> {
  if (!pipe) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    let text = '';
    const done = (pid: number | undefined, e?: PlatformError) => {
      pipe.removeAllListeners('data');
      pipe.destroy();
      if (e) reject(e); else resolve(pid);
    };
    pipe.on('error', () => done(undefined));
    pipe.once('close', () => done(undefined));
    pipe.on('data', (b: Buffer) => {
      text += b.toString();
      const m = /^(\d+)\n/.exec(text);
      const f = /^E (\d+) (\w+)\n/.exec(text);
      if (m) done(Number(m[1]));
      else if (f) done(undefined, startFailure(op, program, Number(f[1]), f[2]!));
      else if (text.includes('\n') || text.length > 64) done(undefined);
    });
  });
}

/** The error of a program the helper could not start: errno of STAGE (exec, chdir, cgroup, setup). */
export function startFailure(op: string, program: string, errno: number, stage: string): PlatformError {
  const name = errnoName(errno);
  if (stage === 'chdir' || (stage === 'exec' && errno === ENOTDIR)) {
    return new PlatformError(HRESULT.ERROR_DIRECTORY, op, `${program}: the working directory is not usable (${name})`);
  }
  if (stage === 'exec' && errno === ENOENT) {
    return new PlatformError(HRESULT.ERROR_FILE_NOT_FOUND, op, `${program}: the system cannot find the file specified, or its interpreter (${name})`);
  }
  if (stage === 'exec' && errno === EACCES) {
    return new PlatformError(HRESULT.E_ACCESSDENIED, op, `${program}: access is denied: it or its interpreter is not executable (${name})`);
  }
  if (stage === 'cgroup') {
    return new PlatformError(HRESULT.ERROR_NOT_ENOUGH_QUOTA, op, `${program}: cannot join the container's cgroup, so its limits would not apply (${name})`);
  }
  const what = stage === 'exec' ? 'cannot be executed' : 'cannot enter the container';
  return new PlatformError(HRESULT.E_FAIL, op, `${program}: ${what} (${name})`);
}
