/** The IO keeper's pump: one container output stream into the CRI log (and the attach fan-out). */
import type { Readable } from 'node:stream';
import type { AckedOutput } from '../platform/types.js';
import type { Logger } from '../util/log.js';
import type { CriLogWriter, StreamName } from './log-writer.js';
import type { AttachHub } from './attach-hub.js';
import { touchIdleGc } from '../util/idle-gc.js';
import { batches } from './keeper-batches.js';

export interface Pump {
  done: Promise<void>;
  abort(): void;
}

/**
 * Copies a stdio stream into the log (or discards it) in batches (keeper-batches.ts), awaiting every write:
 * backpressure reaches the pipe.
 * With acknowledged output, each write is acknowledged once its records are in the file (the unterminated tail of
 * a line is not: a keeper killed now gets it again); discarded output is acknowledged as it arrives.
 */
export function startPump(source: Readable, name: StreamName, writer: CriLogWriter | undefined, log: Logger,
  hub?: AttachHub, acks?: AckedOutput, container?: string): Pump {
  let aborted = false;
  let received = acks?.start ?? 0;
  source.on('error', () => undefined); // reported through the iterator below
  const done = (async () => {
    let writeFailed = false;
    try {
      // The hub never waits: slow attachers are dropped, not waited for.
      const tap = hub && { onChunk: (data: Buffer) => hub.output(name, data), paced: () => hub.size > 0 };
      for await (const batch of batches(source, tap)) {
        for (const data of batch) received += data.length;
        touchIdleGc();
        if (!writer || writeFailed) { acks?.ack(received); continue; }
        try {
          await writer.writeChunks(name, batch);
          acks?.ack(writer.stored(name));
        } catch (e) {
          // Keep draining so the container never blocks on a full pipe; the log is broken from here on.
          writeFailed = true;
          log.error('writing container log failed; discarding further output', { container, stream: name, path: writer.path, err: e });
        }
      }
    } catch (e) {
      // The stream failed (its platform attachment given up: emulator/acked-output.ts): the container runs on,
      // its output from here on not in the log.
      if (!aborted) log.error('container output stream failed; its further output is not logged', { container, stream: name, err: e });
    }
    if (writer && !writeFailed) {
      await writer.endStream(name).then(() => acks?.ack(writer.stored(name)), () => undefined);
    }
  })();
  return { done, abort() { aborted = true; source.destroy(); } };
}
