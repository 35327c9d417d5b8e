/**
 * A container's attach hub (attach-hub.ts), made when the keeper starts the container and again when a restarted
 * keeper takes a running one back: its stdin (kept by the platform across keeper restarts, where it can), whether
 * it has a tty and stdin_once (from the record), and resizes through the platform process.
 */
import type { Writable } from 'node:stream';
import { consoleSizeRequest } from '../platform/hcs/document/index.js';
import { AttachHub } from './attach-hub.js';
import type { Entry } from './keeper-state.js';
import type { KeeperContext } from './keeper-context.js';

/** A container's stdin as the keeper holds it open for attach: errors such as EPIPE after the process exits are expected. */
export function heldStdin(stdin: Writable | undefined): Writable | undefined {
  stdin?.on('error', () => undefined);
  return stdin;
}

/** The hub over `stdin` (the caller keeps it on the entry: heldStdin); the entry is read, not changed. */
export function attachHub(k: KeeperContext, entry: Entry, stdin: Writable | undefined): AttachHub {
  const rec = entry.record;
  return new AttachHub({
    containerId: rec.containerId, stdin, stdinOnce: !!rec.stdinOnce, tty: !!rec.tty, log: k.log,
    resize: async (width, height) => { await entry.proc?.modify(consoleSizeRequest(height, width)); },
  });
}
