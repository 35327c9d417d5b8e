/**
 * How a process of a job container (HostProcess) becomes a Linux process. Unlike a compute system's processes
 * (launch.ts) it gets no namespace of any kind: it runs on the host network, sees the host's processes and file
 * system, and only the mount point is the container's. The environment gets CONTAINER_SANDBOX_MOUNT_POINT and
 * %CONTAINER_SANDBOX_MOUNT_POINT% is expanded (platform/jobs/document/expand.ts); a missing working directory is
 * created, as hcsshim does.
 */
import { mkdirSync } from 'node:fs';
import { PlatformError, HRESULT } from '../../hresult.js';
import type { ProcessParametersDoc } from '../../hcs/schema/index.js';
import { splitCommandLine } from '../../hcs/document/cmdline.js';
import { jobProcessParameters } from '../../jobs/document/index.js';
import { isDirectory, windowsPathEntries } from './paths.js';
import { mapJobPath, resolveJobProgram, type JobView } from './job-paths.js';
import { joinCgroupCommand, type LaunchPlan } from './launch.js';
import { procsFiles } from './cgroups.js';
import type { SystemRecord } from './records.js';

export function jobView(s: SystemRecord): JobView {
  const j = s.job!;
  return { root: s.root!, mountPoint: j.document.MountPoint, hostDrives: j.hostDrives };
}

export function planJobLaunch(op: string, s: SystemRecord, raw: ProcessParametersDoc, hostPath: string): LaunchPlan {
  const v = jobView(s);
  const params = jobProcessParameters(s.job!.document, raw);
  const argv = splitCommandLine(params.CommandLine ?? '');
  const program = params.ApplicationName || argv[0];
  if (!program) throw new PlatformError(HRESULT.E_INVALIDARG, op, 'CommandLine is empty');
  const cwd = mapJobPath(v, params.WorkingDirectory!, v.root);
  if (!cwd) throw new PlatformError(0x8007010b /* ERROR_DIRECTORY */, op, `working directory ${params.WorkingDirectory} is not a local path`);
  if (!isDirectory(cwd)) {
    try { mkdirSync(cwd, { recursive: true }); } catch (e) {
      throw new PlatformError(0x8007010b, op, `working directory ${params.WorkingDirectory}: ${(e as Error).message}`);
    }
  }
  const env = params.Environment ?? {};
  const winPath = windowsPathEntries(env);
  const file = resolveJobProgram(v, cwd, program, winPath, hostPath);
  if (!file) throw new PlatformError(HRESULT.ERROR_FILE_NOT_FOUND, op, `${program}: the system cannot find the file specified`);
  const mapped = winPath.map((d) => mapJobPath(v, d, cwd)).filter((d): d is string => !!d && isDirectory(d));
  const outEnv: Record<string, string> = { ...env, PATH: [...mapped, v.root, hostPath].join(':') };
  const console = !!params.EmulateConsole;
  const streams = { stdin: !!params.CreateStdInPipe, stdout: !!params.CreateStdOutPipe, stderr: !!params.CreateStdErrPipe && !console };
  const errTarget = console ? (streams.stdout ? 'pipe' : 'ignore') : (streams.stderr ? 'pipe' : 'ignore');
  // The job's processes join its cgroup (job-limits.ts) through `sh`, which execs the program (same pid).
  const cg = s.job!.cgroup;
  if (cg) return { ...joinCgroupCommand(procsFiles(cg), file, argv.slice(1)), cwd, env: outEnv, streams, errTarget, console, isolated: false };
  return { file, args: argv.slice(1), argv0: program, cwd, env: outEnv, streams, errTarget, console, isolated: false };
}
