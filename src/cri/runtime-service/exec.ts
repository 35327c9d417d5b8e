import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';
import { invalidArgument } from '../../errors.js';
import { validateStreams } from './stream-request.js';

/** Returns a one-time URL on the streaming server; the process starts when the client connects to it. */
export async function exec(req: T.ExecRequest__Output, ctx: CriContext): Promise<T.ExecResponse> {
  if (!req.containerId) throw invalidArgument('container_id is required');
  if (req.cmd.length === 0) throw invalidArgument('cmd is required');
  const io = validateStreams(req);
  return { url: ctx.runtime.exec(req.containerId, req.cmd, io) };
}
