/** ExecSync: runs a command in a running container and collects its output (capped), honouring the timeout. */
import type { Readable } from 'node:stream';
import type { ComputeProcess } from '../platform/types.js';
import { buildProcessParameters } from '../platform/hcs/document/index.js';
import { invalidArgument, failedPrecondition, deadlineExceeded } from '../errors.js';
import { within } from './locks.js';
import type { RuntimeState } from './state.js';
import { backendOf } from './backend.js';

export interface ExecResult { stdout: Buffer; stderr: Buffer; exitCode: number }

export async function execSync(st: RuntimeState, idOrPrefix: string, cmd: string[], timeoutSeconds: number): Promise<ExecResult> {
  const c = st.mustContainer(st.index.mustResolve(idOrPrefix, 'container'));
  if (cmd.length === 0) throw invalidArgument('cmd must not be empty');
  if (c.state !== 'CONTAINER_RUNNING') throw failedPrecondition(`container ${c.id} is not running (${c.state})`);
  const params = buildProcessParameters(
    { ...c.spec.process, args: cmd, commandLine: undefined, terminal: false },
    { stdin: false, stdout: true, stderr: true },
  );
  const system = await backendOf(st, c).openComputeSystem(c.id);
  let proc: ComputeProcess | undefined;
  try {
    proc = await system.createProcess(params);
    const cap = st.opts.execSyncMaxOutputBytes;
    const stdout = collect(proc.stdio.stdout, cap);
    const stderr = collect(proc.stdio.stderr, cap);
    const exit = proc.waitExit();
    if (timeoutSeconds > 0 && !(await within(exit, timeoutSeconds * 1000))) {
      await proc.terminate().catch(() => undefined);
      await within(exit, 5000);
      throw deadlineExceeded(`command ${JSON.stringify(cmd)} timed out after ${timeoutSeconds}s and was killed`);
    }
    const status = await exit;
    await within(Promise.all([stdout.done, stderr.done]), 2000);
    return { stdout: Buffer.concat(stdout.chunks), stderr: Buffer.concat(stderr.chunks), exitCode: status.ExitCode ?? (status.LastWaitResult ? -1 : 0) };
  } finally {
    proc?.close();
    system.close();
  }
}

interface Collected { chunks: Buffer[]; size: number; done: Promise<void> }

/** Collects up to `cap` bytes; the excess is dropped, as kubelet expects (16 MiB cap). */
function collect(stream: Readable | undefined, cap: number): Collected {
  const state: Collected = { chunks: [], size: 0, done: Promise.resolve() };
  if (!stream) return state;
  state.done = new Promise<void>((resolve) => {
    stream.on('data', (d: Buffer) => {
      if (state.size >= cap) return;
      const take = d.subarray(0, cap - state.size);
      state.chunks.push(take);
      state.size += take.length;
    });
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', () => resolve());
  });
  return state;
}
