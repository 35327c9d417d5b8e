/** The caller's streams over output attachments: a plain one held until read, an acknowledged one with its acks. */
import type { Socket } from 'node:net';
import { PassThrough, pipeline, type Readable } from 'node:stream';
import type { ProcessStdio } from '../types.js';
import type { EmulatorClient } from './client.js';
import { ackedOutput, type Attachment } from './acked-output.js';

/**
 * An output attachment as the caller's stream. A net.Socket emits 'end' as soon as EOF arrives with nothing
 * buffered, even before anyone listens: the output of a process that wrote nothing (and exited before the caller
 * got its stdio) ended unseen, so the caller waited for an 'end' that had already passed. A PassThrough holds the
 * end until it is read, like a pipe handle does; destroying it destroys the attachment.
 */
export function heldOutput(sock: Socket): Readable {
  const out = new PassThrough();
  pipeline(sock, out, () => undefined);
  return out;
}

/** An acknowledged output attachment as the caller's stream plus its AckedOutput (acked-output.ts). */
export function ackedInto(c: EmulatorClient, systemId: string, pid: number, stdio: ProcessStdio, name: 'stdout' | 'stderr', a: Attachment): void {
  const { stream, acks } = ackedOutput(c, systemId, pid, name, a);
  stdio[name] = stream;
  stdio.acks = { ...stdio.acks, [name]: acks };
}
