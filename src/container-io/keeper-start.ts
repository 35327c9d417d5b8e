/**
 * Starting a container's init process in the IO keeper: its log is opened, the process created through the
 * platform (its stdin kept across keeper restarts where the platform can), its stdio pumped into the log and the
 * attach hub, and its records written (keeper-start-record.ts)
 * before the daemon hears the pid. The answer, or the error, says how long the start waited on the platform alone
 * (opening the system, creating the process, the platform's record, with none of the keeper's own I/O pending:
 * platform-wait.ts), which the daemon counts as platform, not keeper, time.
 */
import { unlink } from 'node:fs/promises';
import type { ComputeProcess } from '../platform/types.js';
import { systemsOf } from '../platform/backends.js';
import { nowNs } from './log-writer.js';
import { attachHub, heldStdin } from './keeper-hub.js';
import { KeeperError, type StartParams, type StartResult } from './protocol.js';
import { startPump } from './keeper-pump.js';
import { newEntry, type Entry } from './keeper-state.js';
import type { KeeperContext } from './keeper-context.js';
import { openLog } from './keeper-logs.js';
import { watch } from './keeper-exit.js';
import { releaseStopped } from './keeper-exit-shutdown.js';
import { recordStart, type StartRecords } from './keeper-start-record.js';
import { PlatformWait, withPlatformSeconds } from './platform-wait.js';

export async function start(k: KeeperContext, params: StartParams): Promise<StartResult> {
  const wait = new PlatformWait();
  try {
    const pid = await startTimed(k, params, wait);
    return { pid, platformSeconds: wait.seconds };
  } catch (e) {
    throw withPlatformSeconds(e, wait.seconds);
  }
}

async function startTimed(k: KeeperContext, params: StartParams, wait: PlatformWait): Promise<number> {
  const { containerId, systemId, backend, logPath = '', maxLineSize } = params;
  if (k.entries.has(containerId)) {
    throw new KeeperError('AlreadyExists', `container ${containerId} already has a process in the IO keeper`);
  }
  const entry = newEntry(
    { version: 1, containerId, systemId, backend, pid: 0, logPath, maxLineSize, startedAt: nowNs().toString(),
      ...(params.tty ? { tty: true } : {}), ...(params.stdinOnce ? { stdinOnce: true } : {}) }, 'starting');
  k.entries.set(containerId, entry);
  let proc: ComputeProcess | undefined;
  let records: StartRecords | undefined;
  try {
    // The log and the compute system are opened side by side (a file open and a platform round trip).
    const system = wait.time('platform', () => systemsOf(k.platform, backend).openComputeSystem(systemId))
      .then((sys) => { entry.system = sys; }, (e: unknown) => ({ failed: e }));
    if (logPath) {
      try {
        entry.writer = await wait.time('own', () => openLog(k, entry));
      } catch (e) {
        await system;
        throw new KeeperError('FailedPrecondition', e instanceof Error ? e.message : String(e), { cause: e });
      }
    }
    const opened = await system;
    if (opened) throw opened.failed;
    // The records are begun as soon as the pid is known (onCreated), while the platform connects the pipes.
    proc = await wait.time('platform', () => entry.system!.createProcess(params.process,
      { ackedOutput: true, recordLater: true, keepStdin: true, onCreated: (c) => { records = recordStart(k, entry, abandonedCheck(k, entry, c), wait); } }));
  } catch (e) {
    // A creation that answers after this (its deadline passed) must not record a process: onCreated refuses it.
    entry.forgotten = true;
    k.entries.delete(containerId);
    await records?.undo();
    await entry.writer?.close().catch(() => undefined);
    entry.journal?.close();
    await unlink(k.records.offsetsPath(containerId)).catch(() => undefined);
    entry.system?.close();
    throw e;
  }
  entry.proc = proc;
  const { stdin, stdout, stderr, acks } = proc.stdio;
  const started = proc;
  records ??= recordStart(k, entry, { pid: proc.pid, ackedOutput: !!acks, ...(proc.recorded ? { recorded: () => started.recorded!() } : {}) }, wait);
  if (!!acks !== !!entry.record.ackedOutput) {
    entry.record.ackedOutput = !!acks;
    records.rewrite();
  }
  entry.stdin = heldStdin(stdin);
  entry.hub = attachHub(k, entry, stdin);
  if (stdout) entry.pumps.push(startPump(stdout, 'stdout', entry.writer, k.log, entry.hub, acks?.stdout, entry.record.containerId));
  if (stderr) entry.pumps.push(startPump(stderr, 'stderr', entry.writer, k.log, entry.hub, acks?.stderr, entry.record.containerId));
  entry.phase = 'running';
  void watch(k, entry, proc);
  // The daemon hears of the process only once both records are durable, so a restart of either finds what the
  // other recorded.
  const [mine, platforms] = await records.settled;
  if (mine.status === 'rejected' || platforms.status === 'rejected') {
    const e: unknown = mine.status === 'rejected' ? mine.reason : (platforms as PromiseRejectedResult).reason;
    k.log.error('cannot record started container; terminating it', { containerId, err: e });
    entry.forgotten = true;
    k.entries.delete(containerId);
    releaseStopped(entry); // an exit finished already may hold its stopped system for an ack that never comes
    await wait.time('platform', () => started.terminate()).catch(() => undefined);
    if (mine.status === 'fulfilled') {
      // A keeper record of a process the platform may have lost would be adopted by the next keeper: removed,
      // after any write still under way (the exit's, the shutdown ask's: later ones see `forgotten` and skip).
      await entry.chain;
      await unlink(k.records.path(containerId)).catch(() => undefined);
      throw e;
    }
    throw new KeeperError('Internal', `recording container ${containerId} in ${k.records.dir} failed: ${
      e instanceof Error ? e.message : String(e)}`);
  }
  k.log.info('started container process', { containerId, pid: proc.pid, logPath });
  return proc.pid;
}

/**
 * onCreated of a start its caller already gave up on (the platform call's deadline passed, the catch above ran):
 * refused, so no record of the process is written; by the platform's contract the process is then terminated.
 */
function abandonedCheck<T>(k: KeeperContext, entry: Entry, created: T): T {
  if (entry.forgotten || k.entries.get(entry.record.containerId) !== entry) throw new Error(`start of container ${entry.record.containerId} was abandoned before its process was created`);
  return created;
}
