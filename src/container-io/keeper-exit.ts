/**
 * A container's exit in the IO keeper: wait for the process, let its output drain (bounded; processes left behind
 * that hold the pipes are shut down after a short grace: keeper-exit-shutdown.ts), close its stdio and log, record
 * the exit and tell the subscribers.
 */
import type { ComputeProcess } from '../platform/types.js';
import type { ProcessStatusDoc } from '../platform/hcs/schema/index.js';
import { nowNs } from './log-writer.js';
import type { ExitEvent } from './protocol.js';
import type { Entry } from './keeper-state.js';
import { UNKNOWN_EXIT_CODE, type KeeperContext } from './keeper-context.js';
import { askReport, holdStopped, shutdownAfterGrace } from './keeper-exit-shutdown.js';
import { oomAtReport, readOomAtExit } from './keeper-exit-oom.js';

/** Waits for the process exit, then for stdout/stderr EOF (bounded; the system shut down if it lingers), flushes the log and reports. */
export async function watch(k: KeeperContext, entry: Entry, proc: ComputeProcess): Promise<void> {
  let status: ProcessStatusDoc | undefined;
  try {
    status = await proc.waitExit();
  } catch (e) {
    if (k.closed) return;
    k.log.warn('waiting for process exit failed', { container: entry.record.containerId, err: e });
  }
  const exitedAt = nowNs().toString();
  if (k.closed) return;
  readOomAtExit(entry);
  entry.phase = 'draining';
  const drained = Promise.all(entry.pumps.map((p) => p.done));
  const cancelShutdown = shutdownAfterGrace(k, entry);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    drained.then(() => false),
    new Promise<boolean>((r) => { timer = setTimeout(() => r(true), k.drainTimeoutMs); }),
  ]);
  clearTimeout(timer);
  cancelShutdown();
  if (timedOut) {
    k.log.info('stdio still open after process exit; closing it', { container: entry.record.containerId });
    for (const p of entry.pumps) p.abort();
    await drained;
  }
  if (k.closed) return;
  const exitCode = typeof status?.ExitCode === 'number' ? status.ExitCode : UNKNOWN_EXIT_CODE;
  await finishExit(k, entry, exitCode, exitedAt, false);
}

/** Releases the container's stdio and log, records the exit (`lost`: the code is not known) and reports it. */
export async function finishExit(k: KeeperContext, entry: Entry, exitCode: number, exitedAt: string, lost: boolean): Promise<void> {
  const oomKilled = await oomAtReport(entry);
  entry.hub?.exit(exitCode);
  entry.hub = undefined;
  await entry.writer?.close().catch((e) => k.log.warn('closing container log failed', { err: e }));
  entry.journal?.close();
  entry.stdin?.destroy();
  entry.proc?.close();
  holdStopped(k, entry);
  entry.stdin = undefined;
  entry.proc = undefined;
  entry.system = undefined;
  if (k.closed || entry.forgotten) return;
  const rec = entry.record;
  rec.exited = { exitCode, exitedAt, ...(lost ? { lost: true } : {}), ...(oomKilled ? { oomKilled } : {}) };
  entry.phase = 'exited';
  // The exit is told while its record is written, not after: the daemon records it durably before it acks, and a
  // keeper killed before its record lands reports the exit again from its next start (as lost: code 255), which a
  // daemon that has it just acks. Until acked, the exit is replayed (list) to every daemon that connects.
  const persisted = k.records.persist(entry)
    .catch((e: unknown) => k.log.error('persisting container exit failed', { container: rec.containerId, err: e }));
  k.log.info('container process exited', { container: rec.containerId, pid: rec.pid, exitCode });
  const ev: ExitEvent = { event: 'exit', containerId: rec.containerId, pid: rec.pid, exitCode, exitedAt, ...askReport(rec),
    ...(oomKilled ? { oomKilled } : {}) };
  const line = JSON.stringify(ev) + '\n';
  for (const s of k.subscribers) if (!s.destroyed) s.write(line);
  await persisted;
}
