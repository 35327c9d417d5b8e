/**
 * What a job container's process is started with (hcsshim jobcontainers CreateProcess), as pure functions:
 *  - the environment: the user's default block (CreateEnvironmentBlock), then the requested variables
 *    (%CONTAINER_SANDBOX_MOUNT_POINT% expanded), CONTAINER_SANDBOX_MOUNT_POINT, and PATH extended with the mount
 *    point and the PowerShell / WMI directories; names compare case-insensitively, the block is sorted;
 *  - the working directory: the mount point by default; without the bind filter a plain path is taken relative
 *    to the mount point (C:\work → C:\hpc\<id>\work), since the image has no fixed place on such a host;
 *  - the command line runs through `cmd /c`: CreateProcess resolves the program in the caller's view of the file
 *    system, which does not see a silo's bindings (nor the container's PATH); cmd, started in the container's
 *    view and environment, does. (hcsshim wraps with the bind filter only; here both modes resolve the same way.)
 */
import type { ProcessParametersDoc } from '../../hcs/schema/index.js';
import type { JobContainerDoc } from '../../jobs/schema.js';
import { jobProcessParameters } from '../../jobs/document/index.js';
import { PlatformError, HRESULT } from '../../hresult.js';

export const EXTRA_PATH = ['C:\\WINDOWS\\System32\\WindowsPowerShell\\v1.0\\', 'C:\\WINDOWS\\System32\\Wbem'];

export interface JobLaunch { commandLine: string; workingDirectory: string; environment: string[] }

function workingDirectory(doc: JobContainerDoc, raw: ProcessParametersDoc, expanded: string): string {
  const requested = raw.WorkingDirectory;
  if (!requested || doc.FileBinding || /%CONTAINER_SANDBOX_MOUNT_POINT%/i.test(requested)) return expanded;
  const rest = expanded.replace(/^[A-Za-z]:/, '').replace(/^\\+/, '');
  return `${doc.MountPoint}${rest}`;
}

function environment(doc: JobContainerDoc, defaults: readonly string[], requested: Record<string, string>): string[] {
  const vars = new Map<string, [string, string]>();
  const set = (k: string, v: string) => vars.set(k.toUpperCase(), [vars.get(k.toUpperCase())?.[0] ?? k, v]);
  for (const e of defaults) {
    const i = e.indexOf('=', 1);
    if (i > 0) set(e.slice(0, i), e.slice(i + 1));
  }
  for (const [k, v] of Object.entries(requested)) set(k, v);
  const path = vars.get('PATH');
  const parts = [...(path?.[1] ?? '').split(';').filter(Boolean), doc.MountPoint, ...EXTRA_PATH];
  vars.set('PATH', [path?.[0] ?? 'Path', parts.join(';')]);
  return [...vars.values()].map(([k, v]) => `${k}=${v}`).sort((a, b) => a.toUpperCase().localeCompare(b.toUpperCase()));
}

export function jobLaunch(doc: JobContainerDoc, raw: ProcessParametersDoc, defaults: readonly string[]): JobLaunch {
  const p = jobProcessParameters(doc, raw);
  if (!p.CommandLine?.trim()) throw new PlatformError(HRESULT.E_INVALIDARG, 'CreateJobContainerProcess', 'CommandLine is empty');
  return {
    commandLine: `cmd /c ${p.CommandLine}`,
    workingDirectory: workingDirectory(doc, raw, p.WorkingDirectory!),
    environment: environment(doc, defaults, p.Environment ?? {}),
  };
}
