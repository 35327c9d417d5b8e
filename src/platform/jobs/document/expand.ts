/**
 * `%CONTAINER_SANDBOX_MOUNT_POINT%` in command lines, working directories and environment values is replaced with
 * the mount point when a process is created (hcsshim does it at CreateProcess, so it also works where the mount
 * point is only known then). Both backends use these helpers.
 */
import type { ProcessParametersDoc } from '../../hcs/schema/index.js';
import type { JobContainerDoc } from '../schema.js';

export const SANDBOX_MOUNT_POINT_VAR = 'CONTAINER_SANDBOX_MOUNT_POINT';
const VAR_RE = /%CONTAINER_SANDBOX_MOUNT_POINT%\\?/gi;

/** Replaces the variable (and one backslash after it, the mount point already ends with one). */
export function expandMountPoint(s: string, mountPoint: string): string {
  return s.replace(VAR_RE, () => mountPoint);
}

/** The process parameters a job container actually runs with: expanded, environment additions merged. */
export function jobProcessParameters(doc: JobContainerDoc, params: ProcessParametersDoc): ProcessParametersDoc {
  const mp = doc.MountPoint;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(params.Environment ?? {})) env[k] = expandMountPoint(v, mp);
  Object.assign(env, doc.Environment ?? {});
  env[SANDBOX_MOUNT_POINT_VAR] = mp;
  const out: ProcessParametersDoc = { ...params, Environment: env };
  if (params.CommandLine) out.CommandLine = expandMountPoint(params.CommandLine, mp);
  if (params.ApplicationName) out.ApplicationName = expandMountPoint(params.ApplicationName, mp);
  out.WorkingDirectory = params.WorkingDirectory ? expandMountPoint(params.WorkingDirectory, mp) : mp;
  return out;
}
