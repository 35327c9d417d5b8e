/**
 * Loading the compute systems at service start (ComputeEmulator.load, compute.ts): sweeps what a killed service
 * left behind (launches it did not complete, stray helpers, status/output/dev files no record refers to), then
 * re-adopts each recorded system: its live processes are polled (they are not this service's children), the exits
 * of those gone meanwhile are recorded, lost namespaces (a paused system paused again, rebuilt-pause.ts) or hostname
 * holders are rebuilt, and a pending shutdown or VM watch goes on.
 */
import { readStat, sameProcess } from './procfs.js';
import type { ProcRecord, SystemRecord } from './records.js';
import type { Persister } from './persist.js';
import type { LaunchIntents } from './launch-intents.js';
import type { LiveProc } from './live-proc.js';
import { startHolder } from './uts.js';
import { reopenOutputFifos } from './process-output.js';
import { sweepOutputFiles } from './output-sweep.js';
import { vmProcessLost, type VmDeaths } from './vm-watch.js';
import { isolationFacts, holderAlive } from './isolation.js';
import { endIsolation } from './isolate.js';
import { sweepDevDirs } from './dev-skeleton.js';
import { readExitStatus, sweepStatusFiles } from './exit-status.js';
import { forgetGraceMs } from './process-forget.js';
import { nsHelper } from './ns-helper.js';
import { killLaunches } from './launch-orphans.js';
import { sweepStrayHelpers } from './helper-orphans.js';
import { procKey, type RestartGrace } from './process-forget.js';
import { settleSuperseded } from './load-pids.js';

/** The emulator's state and operations the load works on (ComputeEmulator's, compute-base.ts / compute-stop.ts). */
export interface LoadHost {
  readonly stateDir: string;
  readonly persist: Persister;
  readonly intents: LaunchIntents;
  readonly systems: Map<string, SystemRecord>;
  /** Keys (procKey) of the processes loaded: kept for a grace period (graceForExited). */
  readonly loadedProcs: RestartGrace;
  readonly vms: VmDeaths;
  readonly log: (msg: string) => void;
  liveOf(systemId: string, pid: number): LiveProc;
  markAdoptedExit(s: SystemRecord, p: ProcRecord): void;
  isolate(s: SystemRecord): Promise<void>;
  /** Pauses again a Paused system whose namespaces were rebuilt (rebuilt-pause.ts). */
  pauseRebuilt(s: SystemRecord): Promise<void>;
  watchShutdown(s: SystemRecord): void;
  maybeForget(id: string): void;
  save(): Promise<boolean>;
  /** Keeps exited processes while clients re-open their handles, then forgets those nobody holds (process-forget.ts). */
  graceForExited(): void;
}

export async function loadSystems(h: LoadHost): Promise<void> {
  const recs = await h.persist.load<SystemRecord[]>('systems');
  for (const r of recs ?? []) for (const p of r.processes) h.loadedProcs.add(procKey(r.id, p.pid));
  h.graceForExited(); // before any exit recorded below can forget a process
  if (isolationFacts().Enabled) nsHelper(h.stateDir).catch((e) => h.log(`namespace helper: ${(e as Error).message}`)); // built (or found) before the first start needs it
  // /dev directories of systems this service no longer knows (their service was killed as they ended).
  sweepDevDirs(h.stateDir, (recs ?? []).map((r) => r.id));
  // Launches the killed service did not complete (no record): their processes go before their files are swept.
  const recorded = new Set((recs ?? []).flatMap((r) => r.processes.map((p) => p.statusFile)));
  const orphans = new Set(h.intents.load().map((i) => i.statusFile).filter((f) => !recorded.has(f)));
  const killed = killLaunches(orphans);
  if (killed) h.log(`killed ${killed} process(es) of launches the previous service did not complete`);
  await sweepStrayHelpers(h.stateDir, recs ?? [], h.log);
  h.intents.save();
  sweepStatusFiles(h.stateDir, (recs ?? []).flatMap((r) => r.processes.map((p) => p.statusFile)));
  const swept = sweepOutputFiles(h.stateDir, recs ?? []);
  if (swept.length) h.log(`removed ${swept.length} output pipe/spill file(s) no process record refers to`);
  for (const r of recs ?? []) {
    h.systems.set(r.id, r);
    const alive = new Set(r.processes.filter((p) => !p.exited && sameProcess(p)));
    // A pid several records share: one owns its live entry, the others are settled first (load-pids.ts).
    const older = settleSuperseded(r, (p) => alive.has(p), h);
    for (const p of r.processes) {
      if (older.has(p)) continue;
      // Output a killed service had read and not delivered is replayed from its spill, even for a process gone.
      reopenFifos(h, r, p);
      if (p.exited) continue;
      if (alive.has(p)) {
        h.log(`re-adopted process ${p.pid} of ${r.id}`);
        adoptPoll(h, r, p);
      } else {
        h.markAdoptedExit(r, p);
      }
    }
    if (vmProcessLost(r) || vmProcessLost(recs?.find((v) => v.id === r.document.HostingSystemId))) {
      // The VM's process died while the service was down: nothing of it is rebuilt; it stops below.
    } else if ((r.state === 'Running' || r.state === 'Paused') && r.isolation) {
      if (!r.holder || !holderAlive(r.holder)) {
        // The namespaces are gone with their holder (and every process in them): build them again.
        // Its mount points and /dev directory go before the new holder makes them again.
        await endIsolation(r, h.log);
        const built = await h.isolate(r).then(() => true, (e) => { h.log(`isolation of ${r.id}: ${(e as Error).message}`); return false; });
        // Rebuilt in a cgroup that is not frozen: a paused system is paused again (or recorded as it then is).
        if (built) await h.pauseRebuilt(r);
      }
    } else if ((r.state === 'Running' || r.state === 'Paused') && r.holder) {
      const st = readStat(r.holder.pid);
      if (!st || st.starttime !== r.holder.startTicks) {
        r.holder = undefined;
        if (r.hostName) await startHolder(r).catch((e) => h.log(`hostname holder for ${r.id}: ${(e as Error).message}`));
      }
    }
    if (r.shuttingDown && r.state !== 'Stopped') h.watchShutdown(r);
    h.vms.watch(r);
    if (r.state === 'Stopped') setTimeout(() => h.maybeForget(r.id), forgetGraceMs()).unref();
  }
  for (const r of h.systems.values()) if (vmProcessLost(r)) await h.vms.lost(r);
  await h.save();
}

/** After a service restart: read on from the output FIFOs of a re-adopted process (what it wrote meanwhile). */
function reopenFifos(h: LoadHost, sys: SystemRecord, p: ProcRecord): void {
  const lp = h.liveOf(sys.id, p.pid);
  Object.assign(lp, reopenOutputFifos(p.fifos, (m) => h.log(`process ${p.pid} in ${sys.id}: ${m}`), !!p.spooled));
}

/** Watches a re-adopted process (not our child: its exit cannot be waited for) until it is gone. */
function adoptPoll(h: LoadHost, sys: SystemRecord, p: ProcRecord): void {
  const lp = h.liveOf(sys.id, p.pid);
  lp.poll = setInterval(() => {
    const st = readStat(p.pid);
    if (!st || st.starttime !== p.startTicks || st.state === 'Z') {
      // The wrapper that waits for the program writes its status, then exits: wait for it while it lives.
      if (readExitStatus(p.statusFile) === undefined && p.wrapper && sameProcess(p.wrapper)) return;
      clearInterval(lp.poll);
      h.markAdoptedExit(sys, p);
    }
  }, 250);
}
