/**
 * The hash ring of the current thread (a layer unpack worker: ../unpack-thread.ts), started on first use and
 * kept for the thread's later jobs; replaced when its hashing thread has ended. The ring's thread ends with the
 * thread that owns it.
 */
import { HashRing } from './ring.js';
import { localHash, ringHash, type StreamHash } from './stream.js';
import { logger } from '../../util/log.js';
import { errorMessage } from '../../errors.js';

const log = logger('images');

let ring: HashRing | undefined;

export function threadRing(): HashRing {
  if (!ring || ring.failure) ring = new HashRing();
  return ring;
}

/**
 * A hash on this thread's ring; on this thread itself when the ring cannot start (a thread that cannot be
 * created: the unpack still works, one core slower).
 */
export async function offThreadHash(): Promise<StreamHash> {
  try {
    return await ringHash(threadRing());
  } catch (e) {
    log.warn('layer hashing stays on the unpack thread: its hash thread could not start', { err: errorMessage(e) });
    return localHash();
  }
}
