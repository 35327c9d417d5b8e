/**
 * The records of a starting container: the keeper's (<stateDir>/containers/<id>.json) and the platform's
 * (CreateProcessOptions.recordLater), written side by side and begun as soon as the pid is known — with the
 * emulator, while the process's pipes are still being connected (CreateProcessOptions.onCreated).
 */
import { unlink } from 'node:fs/promises';
import type { CreatedProcess } from '../platform/types.js';
import type { PlatformWait } from './platform-wait.js';
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

/** Begins both writes, timed into `wait`: the platform's record as platform, the keeper's as its own I/O. */
export function recordStart(k: KeeperContext, entry: Entry, created: CreatedProcess, wait: PlatformWait): StartRecords {
  entry.record.pid = created.pid;
  if (created.ackedOutput) entry.record.ackedOutput = true;
  let mine = wait.time('own', () => k.records.persist(entry));
  const platforms = created.recorded ? wait.time('platform', () => created.recorded!()) : Promise.resolve();
  // Settled at once: a write whose start fails later must not become an unhandled rejection.
  let settled = Promise.allSettled([mine, platforms]);
  return {
    get settled() { return settled; },
    rewrite() {
      mine = Promise.all([mine, wait.time('own', () => k.records.persist(entry))]).then(() => undefined);
      settled = Promise.allSettled([mine, platforms]);
    },
    async undo() {
      entry.forgotten = true;
      await settled;
      await unlink(k.records.path(entry.record.containerId)).catch(() => undefined);
    },
  };
}
