/**
 * The records of a starting container: the keeper's (<stateDir>/containers/<id>.json) and the platform's
 * (CreateProcessOptions.recordLater), written side by side and begun as soon as the pid is known — with the
 * emulator, while the process's pipes are still being connected (CreateProcessOptions.onCreated).
 */
import { unlink } from 'node:fs/promises';
import type { CreatedProcess } from '../platform/types.js';
import type { RpcClock } from '../util/rpc-clock.js';
import type { Entry } from './keeper-state.js';
import type { KeeperContext } from './keeper-context.js';

export interface StartRecords {
  /** Whether each record is durable (settled, never rejects). */
  readonly settled: Promise<[PromiseSettledResult<void>, PromiseSettledResult<void>]>;
  /** The record again, after a change of the acknowledged-output flag (serialised after the first write). */
  rewrite(): void;
  /** The start failed and the process was terminated: the keeper's record goes (a next keeper must not adopt it). */
  undo(): Promise<void>;
}

/** Begins both writes; platform time (the platform's record) is timed into `clock`. */
export function recordStart(k: KeeperContext, entry: Entry, created: CreatedProcess, clock: RpcClock): StartRecords {
  entry.record.pid = created.pid;
  if (created.ackedOutput) entry.record.ackedOutput = true;
  let mine = k.records.persist(entry);
  const platforms = (async () => {
    if (!created.recorded) return;
    clock.enter('platform');
    try { await created.recorded(); } finally { clock.leave('platform'); }
  })();
  // Settled at once: a write whose start fails later must not become an unhandled rejection.
  let settled = Promise.allSettled([mine, platforms]);
  return {
    get settled() { return settled; },
    rewrite() {
      mine = Promise.all([mine, k.records.persist(entry)]).then(() => undefined);
      settled = Promise.allSettled([mine, platforms]);
    },
    async undo() {
      entry.forgotten = true;
      await settled;
      await unlink(k.records.path(entry.record.containerId)).catch(() => undefined);
    },
  };
}
