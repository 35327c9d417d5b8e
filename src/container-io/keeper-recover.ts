/** The IO keeper's start-up: containers recorded by a previous keeper are taken back; a running one gets its log reopened, its process reopened (retried with backoff, for a while, when the failure can pass) and, where the platform allows, its output pipes and stdin back (attach works again). */
import { systemsOf } from '../platform/backends.js';
import type { ComputeProcess } from '../platform/types.js';
import { isGone } from '../platform/hresult.js';
import { RETRY_CAP_MS } from './keeper-retry.js';
import { canPass } from '../platform/transient.js';
import { nowNs, type StreamOffsets } from './log-writer.js';
import { recoverOffsets } from './log-offsets.js';
import { startPump } from './keeper-pump.js';
import { newEntry, type Entry } from './keeper-state.js';
import { UNKNOWN_EXIT_CODE, type KeeperContext } from './keeper-context.js';
import { openLog } from './keeper-logs.js';
import { finishExit, watch } from './keeper-exit.js';
import { attachHub, heldStdin } from './keeper-hub.js';

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** Loads the records into entries; running containers are reattached in the background. */
export async function recover(k: KeeperContext): Promise<void> {
  for (const rec of await k.records.load()) {
    const entry = newEntry(rec, rec.exited ? 'exited' : 'running');
    k.entries.set(rec.containerId, entry);
    if (!rec.exited) {
      void reattach(k, entry)
        .catch((e: unknown) => lose(k, entry, e))
        .catch((e: unknown) => { try { k.log.error('recovering a running container failed', { container: rec.containerId, err: e }); } catch { /* nothing left to tell */ } });
    }
  }
}

/**
 * A container that was running when the previous keeper stopped: the process may still run. Keep a log writer
 * open (so ReopenContainerLog works), take its stdio back where the platform kept it (attach answers Unavailable
 * meanwhile), and wait for the exit.
 */
async function reattach(k: KeeperContext, entry: Entry): Promise<void> {
  entry.recovering = true;
  let proc: ComputeProcess | undefined;
  try { proc = await takeBack(k, entry); } finally { entry.recovering = false; }
  if (proc) await watch(k, entry, proc);
}

/**
 * A takeover that failed leaves nothing watching the process: its exit is reported now, as lost (code unknown), so
 * the daemon records the container exited and ends its compute system rather than waiting for an exit never told.
 */
async function lose(k: KeeperContext, entry: Entry, e: unknown): Promise<void> {
  const id = entry.record.containerId;
  k.log.error('taking back a running container failed; reporting its exit as lost', { container: id, err: e });
  if (entry.phase === 'exited') return;
  for (const p of entry.pumps) p.abort();
  await finishExit(k, entry, UNKNOWN_EXIT_CODE, nowNs().toString(), true)
    .catch((err: unknown) => k.log.error('reporting the lost exit failed', { container: id, err }));
}

/** The log, the process and its stdio back; undefined when there is nothing to watch (gone, forgotten, closing). */
async function takeBack(k: KeeperContext, entry: Entry): Promise<ComputeProcess | undefined> {
  const rec = entry.record;
  rec.recovered = true;
  await k.records.persist(entry).catch((e) => k.log.warn('persisting recovered record failed', { err: e }));
  // Acknowledged output restarts where the log ends: nothing the dead keeper wrote is written twice.
  let from: StreamOffsets | undefined = rec.ackedOutput ? { stdout: 0, stderr: 0 } : undefined;
  if (rec.logPath) {
    try {
      if (rec.ackedOutput) {
        const r = await recoverOffsets(k.records.offsetsPath(rec.containerId), rec.logPath);
        if (r) from = r.offsets;
        if (r?.truncatedBytes) k.log.info('dropped a log batch cut short by the previous keeper\'s end', { container: rec.containerId, bytes: r.truncatedBytes });
      }
      entry.writer = await openLog(k, entry, from);
    } catch (e) {
      k.log.warn('cannot reopen log of recovered container', { container: rec.containerId, err: e });
    }
  }
  // Retried with a growing pause while the failure can pass (the service restarting, a timeout), up to
  // k.recoveryGiveUpMs: a runtime restart must not end a running container. A gone process is really gone.
  const until = Date.now() + k.recoveryGiveUpMs;
  for (let wait = k.recoveryRetryMs; ; wait = Math.min(wait * 2, Math.max(k.recoveryRetryMs, RETRY_CAP_MS))) {
    if (k.closed || entry.forgotten) return undefined;
    // The last try: a stream whose failure could still pass is given up rather than the container (streamLost).
    const lastTry = (): boolean => Date.now() + wait > until;
    try {
      return await takeProcess(k, entry, from, lastTry);
    } catch (e) {
      entry.proc?.close();
      entry.proc = undefined;
      entry.system?.close();
      entry.system = undefined;
      if (isGone(e)) {
        k.log.warn('process of recovered container is gone; exit code unknown',
          { container: rec.containerId, pid: rec.pid, err: e });
        await finishExit(k, entry, UNKNOWN_EXIT_CODE, nowNs().toString(), true);
        return undefined;
      }
      if (!canPass(e) || Date.now() + wait > until) throw e;
      k.log.warn('cannot take back recovered container yet; retrying', { container: rec.containerId, err: e, retryInMs: wait });
      await delay(wait);
    }
  }
}

/**
 * A stream not taken back: a gone process, or a failure that can pass while tries are left, ends the attempt
 * (takeBack retries or reports the exit); any other — and one that could pass on the last try, when the system and
 * process opened — leaves the container running without that stream, said in the log: a stream is given up before
 * a running container is.
 */
const streamLost = (k: KeeperContext, container: string, what: string, lastTry: () => boolean, hint?: string) => (e: unknown): undefined => {
  if (isGone(e) || (canPass(e) && !lastTry())) throw e;
  k.log.warn(`cannot reopen ${what} of recovered container${hint ? `: ${hint}` : ''}`, { container, err: e });
  return undefined;
};

/** One attempt: the compute system and process opened, their stdio taken back and pumped. */
async function takeProcess(k: KeeperContext, entry: Entry, from: StreamOffsets | undefined, lastTry: () => boolean): Promise<ComputeProcess | undefined> {
  const rec = entry.record;
  entry.system = await systemsOf(k.platform, rec.backend).openComputeSystem(rec.systemId);
  entry.proc = await entry.system.openProcess(rec.pid);
  // Where the platform hands the output pipes to a new owner (the emulator; HcsGetProcessInfo), what the
  // container wrote while no keeper ran is still in them: pump it into the log as before.
  const lostHint = 'what it writes from now on is not logged; restart the container to log it again';
  const out = await entry.proc.reopenOutput?.(from).catch(streamLost(k, rec.containerId, 'output', lastTry, lostHint));
  // A stream another reader keeps is given up alone: the other one is logged on.
  for (const name of ['stdout', 'stderr'] as const) {
    const held = out?.held?.[name];
    if (held) k.log.warn(`cannot reopen ${name} of recovered container: ${lostHint}`, { container: rec.containerId, err: held });
  }
  // Its stdin, where the platform kept it (CreateProcessOptions.keepStdin): attach works on as before the restart.
  let stdin: Awaited<ReturnType<NonNullable<ComputeProcess['reopenStdin']>>>;
  try {
    stdin = await entry.proc.reopenStdin?.().catch(streamLost(k, rec.containerId, 'stdin', lastTry));
  } catch (e) {
    for (const st of [out?.stdout, out?.stderr]) st?.destroy();
    throw e;
  }
  if (k.closed || entry.forgotten) { for (const st of [stdin, out?.stdout, out?.stderr]) st?.destroy(); return undefined; }
  entry.stdin = heldStdin(stdin);
  if (stdin || out?.stdout || out?.stderr) entry.hub = attachHub(k, entry, stdin);
  for (const name of ['stdout', 'stderr'] as const) {
    const stream = out?.[name];
    if (!stream) continue;
    const acks = out?.acks?.[name];
    if (acks?.gap) k.log.warn('container output lost while no keeper ran', { container: rec.containerId, stream: name, bytes: acks.gap });
    if (acks && entry.writer && acks.start !== from?.[name]) entry.writer.setOffset(name, acks.start);
    entry.pumps.push(startPump(stream, name, entry.writer, k.log, entry.hub, acks, rec.containerId));
  }
  k.log.info(`reattached to running container (${entry.pumps.length ? 'output reopened' : 'stdio lost'})`, { container: rec.containerId, pid: rec.pid });
  return entry.proc;
}
