/**
 * How a process of a compute system becomes a Linux process: the program is resolved against the container's
 * C:\ (the writable layer directory) and its Windows PATH, then the host PATH; the working directory must exist;
 * the process joins the pod's network namespace and the system's UTS namespace through wrappers that exec the
 * program (so the pid stays the program's). In an isolated system (isolation.ts) paths are the container's own
 * (C:\ is /) and one wrapper (the namespace helper, ns-helper.ts, or sh + nsenter, enter-shell.ts) joins the cgroup
 * and enters all namespaces; the program is its child.
 */
import { PlatformError, HRESULT } from '../../hresult.js';
import type { ProcessParametersDoc } from '../../hcs/schema/index.js';
import { splitCommandLine } from '../../hcs/document/cmdline.js';
import { mapPath, resolveProgram, isDirectory, windowsPathEntries } from './paths.js';
import type { ProcRecord, SystemRecord } from './records.js';
import { enterCommand } from './enter-shell.js';
import { helperEnterArgs } from './ns-helper.js';
import { newStatusFile } from './exit-status.js';
import { procsFiles } from './cgroups.js';
import { SYSTEM_DIRS } from './rootfs.js';

export interface LaunchPlan {
  file: string;
  args: string[];
  /** argv[0] for the program when it is spawned directly (a wrapper reads its own argv[0]). */
  argv0?: string;
  cwd: string;
  env: Record<string, string>;
  streams: ProcRecord['streams'];
  /** Where the child's stderr goes: its own pipe, merged into stdout (EmulateConsole), or nowhere. */
  errTarget: 'pipe' | 'ignore';
  console: boolean;
  /** The process enters an isolated system through nsenter, which forks: the program is its child. */
  isolated: boolean;
  /** The namespace helper entering the system writes the program's pid as a line on this fd (a pipe). */
  pidFd?: number;
  /** ... and the program's exit status to this file (exit-status.ts). */
  statusFile?: string;
  /** The program as the container names it (in the helper's start failures). */
  program?: string;
  /** The namespace helper spools the program's output to files (ns-helper-spool-source.ts); not for consoles. */
  spool?: boolean;
}

export interface LaunchContext {
  hostPath: string;
  /** The Linux network namespace of an HNS namespace GUID, when the network emulator builds real networking. */
  netns: (namespaceGuid: string) => string | undefined;
  /** The compiled namespace helper (ns-helper.ts); absent: sh + nsenter + setsid. */
  nsHelper?: string;
  /** The service's state directory (exit status files). */
  stateDir: string;
}

export function planLaunch(op: string, s: SystemRecord, params: ProcessParametersDoc, ctx: LaunchContext): LaunchPlan {
  const root = s.root!;
  const isolated = !!(s.isolation && s.holder);
  const view = isolated ? mappingView(s) : (p: string) => p;
  const argv = splitCommandLine(params.CommandLine ?? '');
  const program = params.ApplicationName || argv[0];
  if (!program) throw new PlatformError(HRESULT.E_INVALIDARG, op, 'CommandLine is empty');
  const docEnv = params.Environment ?? {};
  const cwd = params.WorkingDirectory ? mapPath(root, params.WorkingDirectory, root) : root;
  if (!cwd || !isDirectory(view(cwd))) {
    throw new PlatformError(0x8007010b /* ERROR_DIRECTORY */, op, `working directory ${params.WorkingDirectory ?? ''} does not exist`);
  }
  const file = resolveProgram(root, cwd, program, docEnv, ctx.hostPath, view);
  const inside = file && isolated ? containerPath(root, file) : file;
  if (!file || !inside) throw new PlatformError(HRESULT.ERROR_FILE_NOT_FOUND, op, `${program}: the system cannot find the file specified`);
  const env: Record<string, string> = { ...docEnv };
  const mappedPath = windowsPathEntries(docEnv).map((d) => mapPath(root, d, cwd)).filter((d): d is string => !!d && isDirectory(view(d)));
  env.PATH = [...mappedPath.map((d) => (isolated ? containerPath(root, d) ?? d : d)), ctx.hostPath].join(':');

  const console = !!params.EmulateConsole;
  const streams = { stdin: !!params.CreateStdInPipe, stdout: !!params.CreateStdOutPipe, stderr: !!params.CreateStdErrPipe && !console };
  const errTarget = console ? (streams.stdout ? 'pipe' : 'ignore') : (streams.stderr ? 'pipe' : 'ignore');
  if (isolated) {
    // One wrapper enters every namespace (the holder sits in the pod's network namespace) and the cgroup.
    const cg = s.isolation!.cgroup;
    const procs = cg ? procsFiles(cg) : [];
    const cwdIn = containerPath(root, cwd) ?? '/';
    const base = { cwd: root, env, streams, errTarget, console, isolated: true } as const;
    if (ctx.nsHelper) {
      // Its pid pipe follows the spawn's stdio (and a console's control pipe, fd 3).
      const pidFd = console ? 4 : 3;
      const statusFile = newStatusFile(ctx.stateDir);
      const args = helperEnterArgs(s.holder!.pid, cwdIn, procs, statusFile, pidFd, inside, argv.slice(1));
      return { ...base, file: ctx.nsHelper, args, pidFd, statusFile, program, spool: !console };
    }
    const entered = enterCommand(s.holder!, cwdIn, inside, argv.slice(1));
    const w = cg ? joinCgroupCommand(procs, entered.file, entered.args) : entered;
    return { ...base, file: w.file, args: w.args };
  }
  let spawnFile = file;
  let spawnArgs = argv.slice(1);
  // A container of a pod runs in the pod's network namespace (Container.Networking.Namespace); `ip netns exec`
  // also shows /etc/netns/<ns>/resolv.conf (the endpoint's DNS settings) as /etc/resolv.conf. Both it and
  // nsenter exec the program, so the pid stays the program's.
  const nsGuid = (s.document.Container ?? s.document.HostedSystem?.Container)?.Networking?.Namespace;
  const netns = nsGuid ? ctx.netns(nsGuid) : undefined;
  if (netns) {
    spawnArgs = ['netns', 'exec', netns, spawnFile, ...spawnArgs];
    spawnFile = 'ip';
  }
  if (s.holder) {
    spawnArgs = [`--uts=/proc/${s.holder.pid}/ns/uts`, '--', spawnFile, ...spawnArgs];
    spawnFile = 'nsenter';
  }
  // argv[0] is the program's own name only when it is spawned directly: a wrapper reads its argv[0] too
  // (`ip` takes what follows the first two characters of its argv[0] as a command when that abbreviates one,
  // so argv[0] "cat" turned `ip netns exec …` into `ip tunnel netns exec …`).
  return { file: spawnFile, args: spawnArgs, argv0: spawnFile === file ? program : undefined, cwd, env, streams, errTarget, console, isolated: false };
}

/** Where a path under an isolated system's root has its content on the host: mappings are mounts there. */
function mappingView(s: SystemRecord): (p: string) => string {
  const root = s.root!;
  const c = s.document.Container ?? s.document.HostedSystem?.Container;
  const maps = (c?.MappedDirectories ?? []).filter((m) => m.HostPath && m.ContainerPath)
    .map((m) => ({ target: mapPath(root, m.ContainerPath!.replace(/\//g, '\\'), root)!, source: m.HostPath! }))
    .filter((m) => !!m.target).sort((a, b) => b.target.length - a.target.length);
  return (p) => {
    for (const m of maps) {
      if (p === m.target) return m.source;
      if (p.startsWith(m.target + '/')) return m.source + p.slice(m.target.length);
    }
    return p;
  };
}

/** The path a process inside an isolated system uses for a root-space path; undefined when not reachable. */
export function containerPath(root: string, p: string): string | undefined {
  if (p === root) return '/';
  if (p.startsWith(root + '/')) return p.slice(root.length);
  const top = p.split('/')[1] ?? '';
  return SYSTEM_DIRS.includes(top) ? p : undefined;
}

/** `sh` joins the cgroup(s) and execs the wrapper (same pid), so every process of the system is accounted. */
export function joinCgroupCommand(procs: string[], file: string, args: string[]): { file: string; args: string[] } {
  const script = 'for f do if [ "$f" = -- ]; then break; fi; echo 0 > "$f"; shift; done; shift; exec "$@"';
  return { file: 'sh', args: ['-c', script, 'sh', ...procs, '--', file, ...args] };
}
