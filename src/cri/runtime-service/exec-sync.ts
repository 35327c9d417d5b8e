import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';
import { invalidArgument } from '../../errors.js';
import { num } from '../int64.js';

/** A non-zero exit code is data, not an error; a timeout is DEADLINE_EXCEEDED (the process is killed). */
export async function execSync(req: T.ExecSyncRequest__Output, ctx: CriContext): Promise<T.ExecSyncResponse> {
  if (!req.containerId) throw invalidArgument('container_id is required');
  if (req.cmd.length === 0) throw invalidArgument('cmd is required');
  const timeout = num(req.timeout, 'timeout', { min: 0 });
  const run = () => ctx.runtime.execSync(req.containerId, req.cmd, timeout);
  // limits.concurrentExecSync: probes beyond the bound wait for a slot.
  const r = await (ctx.execSyncSlots ? ctx.execSyncSlots.run(run) : run());
  return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode };
}
