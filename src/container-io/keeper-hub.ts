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

export function attachHub(k: KeeperContext, entry: Entry, stdin: Writable | undefined): AttachHub {
  if (stdin) {
    // Held open for attach; errors such as EPIPE after the process exits are expected.
    stdin.on('error', () => undefined);
    entry.stdin = stdin;
  }
  const rec = entry.record;
  return new AttachHub({
    containerId: rec.containerId, stdin, stdinOnce: !!rec.stdinOnce, tty: !!rec.tty, log: k.log,
    resize: async (width, height) => { await entry.proc?.modify(consoleSizeRequest(height, width)); },
  });
}
