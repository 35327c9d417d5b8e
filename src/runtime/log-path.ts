/**
 * The container's CRI log file: `log_path` is relative to the pod's `log_directory` (kubelet writes
 * `<name>/<restart>.log`). CreateContainer refuses a path that leaves the pod log directory; StartContainer
 * creates the missing directories between the two (containerd does; kubelet creates them itself, crictl and
 * other clients do not) without following a symbolic link out of the pod log directory.
 */
import { lstat, mkdir, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, relative, sep } from 'node:path';
import { invalidArgument, failedPrecondition } from '../errors.js';
import { isWindowsRooted, pathComponents } from '../platform/path-syntax.js';

const escapes = (rel: string): boolean => rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);

/** The log file of a container, or '' when the pod or the container names none. */
export function containerLogFile(logDirectory: string, logPath: string): string {
  if (!logPath || !logDirectory) return '';
  if (isAbsolute(logPath) || isWindowsRooted(logPath)) {
    throw invalidArgument(`config.log_path "${logPath}" must be relative to the pod's log_directory`);
  }
  const file = join(logDirectory, logPath);
  const rel = relative(logDirectory, file);
  if (!rel || escapes(rel) || pathComponents(normalize(logPath)).includes('..')) {
    throw invalidArgument(`config.log_path "${logPath}" leaves the pod's log_directory ${logDirectory}`);
  }
  return file;
}

/** Whether `p` is `root` or inside it. */
function within(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || !escapes(rel);
}

/**
 * Creates the pod log directory and the directories from it to the log file's parent, one at a time; an existing
 * component (or the file itself) that resolves outside the pod log directory is refused.
 */
export async function prepareLogFile(logDirectory: string, file: string): Promise<void> {
  await mkdir(logDirectory, { recursive: true, mode: 0o755 });
  const root = await realpath(logDirectory);
  const parts = pathComponents(relative(logDirectory, file)).filter(Boolean);
  let at = logDirectory;
  for (const [i, part] of parts.entries()) {
    at = join(at, part);
    const last = i === parts.length - 1;
    let st;
    try { st = await lstat(at); } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      if (last) return;
      try { await mkdir(at, { mode: 0o755 }); } catch (me) { if ((me as NodeJS.ErrnoException).code !== 'EEXIST') throw me; }
      st = await lstat(at);
    }
    if (st.isSymbolicLink()) {
      const target = await realpath(at).catch(() => undefined);
      if (!target || !within(root, target)) {
        throw failedPrecondition(`container log path ${file}: ${at} is a symbolic link leading out of the pod log directory ${logDirectory}`);
      }
    } else if (!last && !st.isDirectory()) {
      throw failedPrecondition(`container log path ${file}: ${at} exists and is not a directory`);
    }
  }
  if (!within(root, await realpath(dirname(file)))) {
    throw failedPrecondition(`container log path ${file} leads out of the pod log directory ${logDirectory}`);
  }
}
