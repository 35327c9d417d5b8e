/**
 * Process isolation of a compute system, as HCS gives a process-isolated container, when the service runs as root
 * and can make namespaces: a namespace holder per system (inside the pod's network namespace when it has one)
 * with new PID, mount and UTS namespaces builds the system's file system (rootfs.ts: one `mount --all` table, the
 * system's /dev directory made beforehand by the service), joins the system's cgroup (cgroups.ts), chroots into
 * C:\ and stays as PID 1 of the system's PID namespace, reaping orphans. Killing it ends every process of the system.
 *
 * The holder is the compiled namespace helper (ns-helper.ts, one process) or, without a C compiler, the util-linux
 * chain `unshare --pid --fork --mount --uts` → sh → chroot → sh loop (shellHolderArgv). Processes enter through the
 * helper's `enter` mode or `nsenter … -- setsid <program>` (enter-shell.ts). Entering a PID namespace forks: the
 * wrapper's child runs the program as its own process group while the wrapper waits and exits with the program's
 * status (or dies of the same signal), so the service's child reports the exit and the recorded pid — the
 * program's own — receives signals.
 *
 * A hosted system (HostingSystemId) can join its hosting system's PID, UTS and network namespaces (`join`), with
 * a mount namespace of its own. Mappings added while it runs: live-mounts.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { readStat } from './procfs.js';
import { planRootfs, shQuote } from './rootfs.js';
import type { MappedDirectoryDoc } from '../../hcs/schema/index.js';
import { procsFiles, type SystemCgroup } from './cgroups.js';
import { cgroupSupport } from './cgroup-support.js';
import { fstabText, mountListText } from './mount-table.js';
import { helperHolderArgs, launcherFacts, type LauncherFacts } from './ns-helper.js';
import { makeDevDir, removeDevDir } from './dev-skeleton.js';
import { vforkSpawn, type SpawnedChild } from './vfork-spawn.js';
import { dynmodsFacts, type DynmodsFacts } from './cgroup-dynmods.js';
import { holderFailure } from './holder-errors.js';

export interface IsolationFacts {
  /** Whether compute systems get PID/mount/UTS namespaces and a private root. */
  Enabled: boolean;
  /** Why not, when not. */
  Reason?: string;
  /** Where memory/CPU limits are applied (absent: recorded but not enforced). */
  Cgroups?: { Version: 1 | 2; Roots: string[] };
  /** How processes enter and holders are made: the compiled namespace helper or the util-linux chains. */
  Launcher?: LauncherFacts;
  /** Whether cgroup joins are made cheap by a favordynmods hierarchy (cgroup-dynmods.ts). */
  CgroupFavorDynmods?: DynmodsFacts;
}

let facts: IsolationFacts | undefined;
export function isolationFacts(): IsolationFacts {
  if (facts) return facts.Enabled ? { ...facts, Launcher: launcherFacts(), CgroupFavorDynmods: dynmodsFacts() } : facts;
  const tools = ['unshare', 'nsenter', 'setsid', 'chroot'].filter((t) => spawnSync(t, ['--version'], { stdio: 'ignore' }).status !== 0);
  let reason: string | undefined;
  if (process.getuid?.() !== 0) reason = 'the emulator is not running as root: containers share the host\'s processes and file system';
  else if (tools.length > 0) reason = `missing ${tools.join(', ')} (util-linux/coreutils): containers are not isolated`;
  else if (!/--wdns/.test(spawnSync('nsenter', ['--help'], { encoding: 'utf8' }).stdout ?? '')) reason = 'nsenter lacks --wdns (util-linux < 2.38): containers are not isolated';
  else if (spawnSync('unshare', ['--pid', '--fork', '--mount', '--uts', 'true'], { stdio: 'ignore' }).status !== 0) {
    reason = 'unshare --pid --mount --uts failed (no namespace support here): containers are not isolated';
  }
  const cg = reason ? null : cgroupSupport();
  facts = { Enabled: !reason, ...(reason ? { Reason: reason } : {}), ...(cg ? { Cgroups: { Version: cg.version, Roots: cg.roots } } : {}) };
  return isolationFacts();
}

export interface HolderRecord { pid: number; startTicks: number }

export interface HolderSpec {
  root: string;
  hostName?: string;
  mappings: readonly MappedDirectoryDoc[];
  /** Linux network namespace name (ip netns) of the pod. */
  netns?: string;
  cgroup?: SystemCgroup;
  /** Holder of the hosting system whose PID/UTS/network namespaces this one joins. */
  join?: HolderRecord;
  /** The service's state directory (the systems' /dev directories, the holder's mount tables). */
  stateDir: string;
  /** The system's id (names its /dev directory). */
  systemId: string;
  /** The compiled namespace helper (ns-helper.ts); absent: the util-linux shell chain. */
  helper?: string;
}

const op = 'HcsStartComputeSystem';

/**
 * Starts the namespace holder; resolves with it, the mount points created in the writable layer and the
 * system's /dev directory (removeDevDir once the holder is gone).
 */
export async function startIsolatedHolder(spec: HolderSpec): Promise<{ holder: HolderRecord; created: string[]; devDir?: string }> {
  // The helper fills a tmpfs as /dev (dev-tmpfs.ts); the shell chain binds a directory made here.
  const devDir = spec.helper ? undefined : makeDevDir(spec.stateDir, spec.systemId);
  let plan;
  try {
    plan = planRootfs(op, spec.root, devDir, spec.mappings, spec.netns ? `/etc/netns/${spec.netns}` : undefined);
  } catch (e) { removeDevDir(devDir); throw e; }
  // The mount table, read inside the namespace by the helper or `mount` (removed once the holder is up or failed).
  const table = join(tablesDir(spec.stateDir), `${randomUUID()}.${spec.helper ? 'mounts' : 'fstab'}`);
  writeFileSync(table, spec.helper ? mountListText(plan.mounts) : fstabText(plan.mounts));
  const argv = spec.helper
    ? [spec.helper, ...helperHolderArgs({ root: spec.root, table, hostName: spec.join ? undefined : spec.hostName, netns: spec.netns,
      join: spec.join?.pid, procs: spec.cgroup ? procsFiles(spec.cgroup) : [] })]
    : shellHolderArgv(spec, table);
  try {
    return { holder: await runHolder(argv), created: plan.created, devDir };
  } catch (e) {
    removeDevDir(devDir);
    throw e;
  } finally {
    rmSync(table, { force: true });
  }
}

/** The util-linux chain: nsenter --net → unshare → sh (cgroup, hostname, mounts) → chroot → sh loop → sleep. */
function shellHolderArgv(spec: HolderSpec, table: string): string[] {
  // Shell builtins wherever one does (each external command is a fork and an exec).
  const lines = ['set -e'];
  // A step that fails says so as the helper does (holder-errors.ts; errno unknown here: 0).
  const report = (cls: string, stepName: string) => `{ echo 'wincri-ns-error ${cls} 0 ${stepName}' >&2; exit 1; }`;
  if (spec.cgroup) for (const f of procsFiles(spec.cgroup)) lines.push(`echo 0 > ${shQuote(f)} || ${report('cgroup', 'join-cgroup')}`);
  // The host pid of this shell (the first NSpid field, read through the host's /proc before anything is mounted).
  lines.push('while read -r k v rest; do if [ "$k" = NSpid: ]; then echo "$v"; fi; done < /proc/self/status');
  // The new UTS namespace's hostname (what hostname(1) sets, without its process).
  if (spec.hostName && !spec.join) lines.push(`printf %s ${shQuote(spec.hostName)} > /proc/sys/kernel/hostname || ${report('hostname', 'sethostname')}`);
  lines.push(`mount --all --fstab ${shQuote(table)} || ${report('mount', 'mount')}`);
  lines.push('echo ready');
  // PID 1 reaps orphans; what it waits on is a `sleep` named wincri-holder (the skeleton's link in /dev).
  lines.push(`exec chroot ${shQuote(spec.root)} /bin/sh -c 'trap "" TERM INT HUP; while :; do /dev/wincri-holder infinity & wait; done'`);
  const argv = ['unshare', ...(spec.join ? ['--mount', '--fork'] : ['--pid', '--fork', '--mount', '--uts']), '--propagation', 'slave', 'sh', '-c', lines.join('\n')];
  // A hosted system in a pod's network namespace joins it (a VM's NICs are the pod's endpoints); else the VM's.
  if (spec.join) return ['nsenter', `--target=${spec.join.pid}`, '--pid', '--uts', spec.netns ? `--net=/run/netns/${spec.netns}` : '--net', '--', ...argv];
  if (spec.netns) return ['nsenter', `--net=/run/netns/${spec.netns}`, '--', ...argv];
  return argv;
}

const tablesMade = new Set<string>();
/** Where the holders' mount tables go; emptied on first use by this process (a killed service's leftovers). */
function tablesDir(stateDir: string): string {
  const dir = join(stateDir, 'holder-tables');
  if (!tablesMade.has(dir)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    tablesMade.add(dir);
  }
  return dir;
}

async function runHolder(argv: string[]): Promise<HolderRecord> {
  const opts = { detached: true, stdio: ['ignore' as const, 'pipe' as const, 'pipe' as const] };
  const child: SpawnedChild = vforkSpawn(argv[0]!, argv.slice(1), opts) ?? spawn(argv[0]!, argv.slice(1), opts);
  child.on('error', () => undefined);
  child.unref();
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
  const errEnded = new Promise<void>((res) => { child.stderr!.once('end', res); child.stderr!.once('close', res); });
  const ok = await new Promise<boolean>((res) => {
    const t = setTimeout(() => res(false), 10_000);
    child.stdout!.on('data', () => { if (/^ready$/m.test(out)) { clearTimeout(t); res(true); } });
    child.once('exit', () => { clearTimeout(t); res(/^ready$/m.test(out)); });
    // Not started at all (the helper binary gone, ENOENT): say so now, not after the timeout.
    child.once('error', (e) => { err += `${argv[0]}: ${e.message}`; clearTimeout(t); res(false); });
  });
  // A holder that exited: its report may still be in the pipe when the exit is seen (a SIGCHLD can beat the read),
  // so its stderr is read to the end first — bounded, as a process it left behind may still hold the pipe.
  if (!ok) await Promise.race([errEnded, new Promise((r) => setTimeout(r, 1000).unref())]);
  child.stdout!.destroy();
  child.stderr!.destroy();
  const pid = Number(/^(\d+)$/m.exec(out)?.[1] ?? 0);
  const st = pid ? readStat(pid) : undefined;
  if (!ok || !st) {
    if (pid) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    if (child.pid) try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
    // Classified by the holder's own report (a cgroup it could not join: the system would run without its limits).
    throw holderFailure(op, err);
  }
  return { pid, startTicks: st.starttime };
}

export function holderAlive(h: HolderRecord): boolean {
  const st = readStat(h.pid);
  return !!st && st.starttime === h.startTicks && st.state !== 'Z';
}
