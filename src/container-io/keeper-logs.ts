/** A container's CRI log in the IO keeper: opened with its offset journal, and reopened on request after rotation. */
import { CriLogWriter, type StreamOffsets } from './log-writer.js';
import { OffsetJournal } from './log-offsets.js';
import { KeeperError, type ContainerIdParams } from './protocol.js';
import { requireContainerId } from './keeper-validate.js';
import type { Entry } from './keeper-state.js';
import type { KeeperContext } from './keeper-context.js';

/** Opens the container's log with its offset journal (log-offsets.ts); `offsets`: what the log already holds. */
export async function openLog(k: KeeperContext, entry: Entry, offsets?: StreamOffsets): Promise<CriLogWriter> {
  const rec = entry.record;
  entry.journal?.close();
  entry.journal = OffsetJournal.create(k.records.offsetsPath(rec.containerId), offsets);
  const journal = entry.journal;
  return CriLogWriter.open(rec.logPath, { maxLineSize: rec.maxLineSize, journal: (j) => journal.write(j), ...(offsets ? { offsets } : {}) });
}

/** ReopenContainerLog: the log file is reopened (it was rotated), or opened when recovery could not. */
export async function reopenLog(k: KeeperContext, params: ContainerIdParams): Promise<Record<string, never>> {
  const id = requireContainerId(params);
  const entry = k.entries.get(id);
  if (!entry) throw new KeeperError('NotFound', `container ${id} is not known to the IO keeper`);
  // 'draining': the process exited but its output still flows into the log; rotation must keep working.
  if (entry.phase !== 'running' && entry.phase !== 'draining') {
    throw new KeeperError('FailedPrecondition', `container ${id} is not running`);
  }
  if (!entry.record.logPath) return {};
  if (!entry.writer) {
    // Recovered container whose log could not be opened at recovery: try now.
    try {
      entry.writer = await CriLogWriter.open(entry.record.logPath, { maxLineSize: entry.record.maxLineSize });
      return {};
    } catch (e) {
      throw new KeeperError('FailedPrecondition', e instanceof Error ? e.message : String(e));
    }
  }
  try {
    await entry.writer.reopen();
  } catch (e) {
    throw new KeeperError('FailedPrecondition', `reopening log of container ${id}: ${
      e instanceof Error ? e.message : String(e)}`);
  }
  return {};
}
