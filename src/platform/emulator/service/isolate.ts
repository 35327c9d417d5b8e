/**
 * An isolated compute system's life (isolation.ts, cgroups.ts, rootfs.ts): built at start, ended at stop (every
 * process in its PID namespace dies with the holder), OOM kills read before the cgroup goes.
 */
import { startIsolatedHolder, holderAlive } from './isolation.js';
import { createCgroup, enableChildControllers } from './cgroups.js';
import { applyLimits, oomKills } from './cgroup-limits.js';
import { removeCgroupWhenEmpty } from './cgroup-removal.js';
import { recreateCgroup } from './cgroup-recreate.js';
import { vmLimits } from './hosting.js';
import { cleanupRootfs } from './rootfs.js';
import { removeDevDir } from './dev-skeleton.js';
import { pipeMappings } from './pipes.js';
import { readStat } from './procfs.js';
import { nsHelper } from './ns-helper.js';
import type { SystemRecord } from './records.js';
import type { ContainerDoc } from '../../hcs/schema/index.js';
import { limitsFailure } from './cgroup-errors.js';
import { instanceId } from './instance.js';

/** Builds the system's namespaces, root and cgroup; a hosted system joins its hosting system's namespaces. */
export async function isolate(
  s: SystemRecord, hosting: SystemRecord | undefined, netnsOf: (guid: string) => string | undefined, log: (m: string) => void, stateDir: string,
  held?: () => Promise<void>,
): Promise<void> {
  const helper = await nsHelper(stateDir);
  const c = s.document.Container ?? s.document.HostedSystem?.Container;
  const join = hosting?.isolation && hosting.holder ? hosting.holder : undefined;
  const isVm = !!s.document.VirtualMachine;
  // A mapped pipe whose host pipe is missing fails the start before anything is made (was: after the cgroup, left behind).
  const mappings = [...(c?.MappedDirectories ?? []), ...pipeMappings('HcsStartComputeSystem', c)];
  let cgroup = s.isolation?.cgroup;
  try {
    // A hosted system's cgroup nests in its VM's, so the VM's limits bound everything inside it. A recorded one
    // found gone is made again with its limits (cgroup-recreate.ts: written there, not a second time here).
    if (hosting) recreateIsolationCgroup(hosting, log);
    const remade = recreateIsolationCgroup(s, log);
    cgroup ??= createCgroup(s.id, instanceId(stateDir), hosting?.isolation?.cgroup);
    if (cgroup && !remade) {
      applyLimits(cgroup, isVm ? vmLimits(s.document) : c);
      if (isVm) enableChildControllers(cgroup);
    }
  } catch (e) {
    // Cgroups are there by design (createCgroup made one, or threw): a container without its limits, unaccounted,
    // is not what was asked for. Where they are not (non-root, read-only cgroupfs) isolationFacts says so.
    if (cgroup) removeCgroupWhenEmpty(cgroup, log);
    throw limitsFailure('HcsStartComputeSystem', s.id, e);
  }
  const nsGuid = c?.Networking?.Namespace;
  const { holder, created, devDir } = await startIsolatedHolder({
    // A VM's holder stays out of its cgroup (cgroup v2: a cgroup with child cgroups holds no processes).
    root: s.root!, hostName: s.hostName, mappings, netns: nsGuid ? netnsOf(nsGuid) : undefined, cgroup: isVm ? undefined : cgroup, join, stateDir, systemId: s.id, helper,
  }).catch((e) => { if (cgroup) removeCgroupWhenEmpty(cgroup, log); throw e; });
  const isolation = { created, ...(devDir ? { devDir } : {}), ...(cgroup ? { cgroup } : {}), ...(join ? { sharedHolder: true } : {}) };
  // Between the holder's start and its record (a fault checkpoint: tests hold a start there).
  if (held) await held().catch(async (e) => { await endIsolation({ ...s, holder, isolation }, log); throw e; });
  s.holder = holder;
  s.isolation = isolation;
}

/**
 * The recorded cgroup of an isolated system, made again where it is gone (cgroup-recreate.ts) with its limits, or a
 * container's `limits` about to be recorded; whether it had to.
 */
function recreateIsolationCgroup(s: SystemRecord, log: (m: string) => void, limits?: ContainerDoc): boolean {
  const cg = s.isolation?.cgroup;
  const isVm = !!s.document.VirtualMachine;
  const own = isVm ? vmLimits(s.document) : limits ?? s.document.Container ?? s.document.HostedSystem?.Container;
  return !!cg && recreateCgroup(cg, own, { id: s.id, log, vm: isVm });
}

/**
 * Before a process joins an isolated system's recorded cgroup, or its limits are set: it, and its hosting VM's above
 * it, made again where gone; whether the system's own was (then with `limits` where given: a modify's new ones,
 * written once). A failure is the system's limits failing (cgroup-errors.ts).
 */
export function ensureIsolationCgroup(op: string, s: SystemRecord, hosting: SystemRecord | undefined, log: (m: string) => void, limits?: ContainerDoc): boolean {
  try {
    if (hosting) recreateIsolationCgroup(hosting, log);
    return recreateIsolationCgroup(s, log, limits);
  } catch (e) { throw limitsFailure(op, s.id, e); }
}

/**
 * Ends the system's namespaces (every process in them dies with PID 1), its cgroup and mount points. The holder
 * is killed and the record cleared now; the file system work (cgroup and mount point removal, a few ms of
 * blocking rmdir) runs after the caller's current synchronous step (a stop overlaps it with its record write).
 * The returned promise settles when that work is done; it never rejects (a failure is logged): a caller that
 * builds the system's isolation again awaits it, or the old cleanup would remove what the new holder mounts.
 */
export function endIsolation(s: SystemRecord, log: (m: string) => void): Promise<void> {
  const iso = s.isolation;
  if (!iso) return Promise.resolve();
  readOom(s);
  endHolder(s);
  s.isolation = undefined;
  return Promise.resolve().then(async () => {
    if (iso.cgroup) removeCgroupWhenEmpty(iso.cgroup, log);
    await cleanupRootfs(iso.created);
    removeDevDir(iso.devDir);
  }).catch((e) => log(`cleanup of ${s.id}'s isolation: ${(e as Error).message}`));
}

/** Kills the system's holder (a hosted system's too: it lives in its VM's PID namespace) and forgets it. */
export function endHolder(s: SystemRecord): void {
  if (s.holder && holderAlive(s.holder)) { try { process.kill(s.holder.pid, 'SIGKILL'); } catch { /* gone */ } }
  s.holder = undefined;
}

/**
 * A start that was terminated (or the service told to stop) while it ran: what it built ends now, or its holder
 * would outlive the system, unowned.
 */
export async function abortStart(s: SystemRecord, log: (m: string) => void): Promise<void> {
  if (s.isolation) await endIsolation(s, log);
  else endHolder(s);
}

/** Keeps the highest OOM kill count seen (the cgroup disappears at stop). */
export function readOom(s: SystemRecord): void {
  const cg = s.isolation?.cgroup ?? s.job?.cgroup;
  const n = cg ? oomKills(cg) : undefined;
  if (n !== undefined && n > (s.oomKills ?? 0)) s.oomKills = n;
}

/**
 * nsenter stops itself when its program is stopped (pause); it must continue too, or it never reports the exit
 * (the namespace helper does not stop: the SIGCONT is harmless).
 */
export function contWrappers(s: SystemRecord): void {
  for (const p of s.processes) {
    if (p.exited || !p.wrapper) continue;
    const st = readStat(p.wrapper.pid);
    if (st && st.starttime === p.wrapper.startTicks) { try { process.kill(p.wrapper.pid, 'SIGCONT'); } catch { /* gone */ } }
  }
}
