/** What the IO keeper keeps per container: the persisted record (<stateDir>/containers/<id>.json) and live state. */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { ComputeSystem, ComputeProcess } from '../platform/types.js';
import type { SystemKind } from '../platform/backends.js';
import { writeFileAtomic, readJson } from '../util/atomic.js';
import type { Logger } from '../util/log.js';
import type { CriLogWriter } from './log-writer.js';
import type { AttachHub } from './attach-hub.js';
import type { Pump } from './keeper-pump.js';
import type { OffsetJournal } from './log-offsets.js';
import type { ExitInfo } from './protocol.js';

/** What is stored per container in stateDir/containers/<containerId>.json. */
export interface PersistedRecord {
  version: 1;
  containerId: string;
  systemId: string;
  /** Absent in records of keepers before job containers: compute. */
  backend?: SystemKind;
  pid: number;
  logPath: string;
  maxLineSize?: number;
  startedAt: string;
  exited?: ExitInfo;
  /**
   * A keeper asked the system to shut down after the init's exit and the ask has not failed (keeper-exit-shutdown.ts):
   * reported with the exit, so the daemon asks no second time. Recorded at the ask, not only with the exit, so that a
   * keeper restarted before the report neither asks again itself nor has the daemon ask.
   */
  shutdownAsked?: boolean;
  /** That ask got no answer (timed out, cut off): it may have been delivered and counts as asked (shutdown-ask.ts). */
  shutdownUnconfirmed?: boolean;
  /** The system's OOM count read at the init's exit was not 0; written before the keeper's ask (keeper-exit-oom.ts). */
  oomKilled?: boolean;
  acked?: boolean;
  recovered?: boolean;
  /** The output is read with acknowledgements and <containerId>.offsets says how much of it the log holds. */
  ackedOutput?: boolean;
  /** The container config's tty and stdin_once, for the attach hub of a keeper that takes the container back. */
  tty?: boolean;
  stdinOnce?: boolean;
}

export interface Entry {
  record: PersistedRecord;
  phase: 'starting' | 'running' | 'draining' | 'exited';
  writer?: CriLogWriter;
  journal?: OffsetJournal;
  system?: ComputeSystem;
  proc?: ComputeProcess;
  stdin?: Writable;
  /** Live output fan-out and stdin for attach sessions (absent for a recovered container whose stdio was lost). */
  hub?: AttachHub;
  pumps: Pump[];
  /** A restarted keeper is taking the running container back (keeper-recover.ts): its stdio is not back yet. */
  recovering?: boolean;
  /** The system's OOM count read at the init's exit: whether it was not 0 (keeper-exit-oom.ts). */
  oomAtExit?: Promise<boolean>;
  /** This keeper asked the system to shut down after the init's exit, whatever came of it (keeper-exit-shutdown.ts). */
  shutdownAsked?: boolean;
  /** The handle of a system so shut down, kept until the daemon acks or forgets the exit (keeper-exit-shutdown.ts). */
  stoppedSystem?: ComputeSystem;
  /** Serialises state-file writes for this container. */
  chain: Promise<void>;
  forgotten: boolean;
}

export function newEntry(record: PersistedRecord, phase: Entry['phase']): Entry {
  return { record, phase, pumps: [], chain: Promise.resolve(), forgotten: false };
}

/** Records live in <stateDir>/containers/<containerId>.json (the state dir may hold other files). */
export class RecordStore {
  constructor(readonly dir: string, private readonly log: Logger) {}

  path(containerId: string): string { return join(this.dir, `${containerId}.json`); }

  /** The container's log-offset journal (log-offsets.ts). */
  offsetsPath(containerId: string): string { return join(this.dir, `${containerId}.offsets`); }

  /**
   * Writes the entry's record crash-safely, after its earlier writes; skipped once the entry is forgotten.
   * `durable: false` (an ack): replaced whole but the rename not synced — losing it in a power cut leaves the
   * previous record, whose exit is reported again and which the daemon, having recorded it, acks again.
   */
  persist(entry: Entry, opts: { durable?: boolean } = {}): Promise<void> {
    const snapshot = JSON.stringify(entry.record);
    const path = this.path(entry.record.containerId);
    const p = entry.chain.then(async () => {
      if (entry.forgotten) return;
      await writeFileAtomic(path, snapshot, 0o600, { syncDir: opts.durable !== false });
    });
    entry.chain = p.catch(() => undefined);
    return p;
  }

  /** Every readable, well-formed record (others are logged and skipped). */
  async load(): Promise<PersistedRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const out: PersistedRecord[] = [];
    for (const name of names) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      let rec: PersistedRecord | undefined;
      try {
        rec = await readJson<PersistedRecord>(join(this.dir, name));
      } catch (e) {
        this.log.warn('ignoring unreadable keeper state file', { file: name, err: e });
        continue;
      }
      if (!rec || typeof rec.containerId !== 'string' || `${rec.containerId}.json` !== name) {
        this.log.warn('ignoring malformed keeper state file', { file: name });
        continue;
      }
      out.push(rec);
    }
    return out;
  }
}
