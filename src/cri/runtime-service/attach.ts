import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';
import { invalidArgument } from '../../errors.js';
import { validateStreams } from './stream-request.js';

/** Returns a one-time URL on the streaming server that attaches to the container's main process. */
export async function attach(req: T.AttachRequest__Output, ctx: CriContext): Promise<T.AttachResponse> {
  if (!req.containerId) throw invalidArgument('container_id is required');
  const io = validateStreams(req);
  return { url: ctx.runtime.attach(req.containerId, io) };
}
