/**
 * Exec (streaming): the RPC hands out a URL on the streaming server; when the client arrives the session's
 * start() creates a process in the container through the platform (HcsCreateProcess with the container's
 * environment, working directory and user; EmulateConsole for tty) and returns it as a StreamProcess.
 */
import type { ComputeProcess, ComputeSystem } from '../platform/types.js';
import { buildProcessParameters, consoleSizeRequest } from '../platform/hcs/document/index.js';
import type { StreamProcess } from '../streaming/types.js';
import { invalidArgument } from '../errors.js';
import { within } from './locks.js';
import type { RuntimeState } from './state.js';
import { runningContainer, stillRunning, streamingService, streamsEnded, type StreamIo } from './streams.js';
import { backendOf } from './backend.js';

/** How long output may still flow after the process exited before `exited` resolves anyway (held pipes). */
const DRAIN_MS = 2000;
/** How long close() waits for a terminated process to be reported gone. */
const KILL_WAIT_MS = 5000;

export function exec(st: RuntimeState, idOrPrefix: string, cmd: string[], io: StreamIo): string {
  if (cmd.length === 0) throw invalidArgument('cmd must not be empty');
  const service = streamingService(st, 'Exec');
  const c = runningContainer(st, idOrPrefix);
  return service.register({
    kind: 'exec', ...io, containerId: c.id,
    start: () => startExec(st, c.id, cmd, io),
  });
}

/** Creates the exec'd process now; exported for tests (the streaming server calls it through the session). */
export async function startExec(st: RuntimeState, id: string, cmd: string[], io: StreamIo): Promise<StreamProcess> {
  const c = stillRunning(st, id);
  const params = buildProcessParameters(
    { ...c.spec.process, args: cmd, commandLine: undefined, terminal: io.tty, consoleSize: undefined },
    { stdin: io.stdin, stdout: io.stdout, stderr: io.stderr && !io.tty },
  );
  let system: ComputeSystem | undefined;
  let proc: ComputeProcess;
  try {
    system = await backendOf(st, c).openComputeSystem(id); // an HCS compute system, or a HostProcess job container
    proc = await system.createProcess(params);
  } catch (e) {
    system?.close();
    throw new Error(`exec ${JSON.stringify(cmd)} in container ${id} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return execProcess(system, proc, io.tty);
}

function execProcess(system: ComputeSystem, proc: ComputeProcess, tty: boolean): StreamProcess {
  const { stdin, stdout, stderr } = proc.stdio;
  const exit = proc.waitExit();
  let gone = false;
  const watched = exit.then(() => { gone = true; }, () => { gone = true; });
  // stdin EOF is the end of the pipe: `end()` flushes what was written, then closes our end. (A CloseHandle
  // request would travel beside the data and could cut it off, so none is sent.)
  stdin?.on('error', () => undefined);
  const exited = exit.then(async (s) => {
    await streamsEnded([stdout, stderr], DRAIN_MS);
    return { exitCode: s.ExitCode ?? (s.LastWaitResult ? 255 : 0) };
  });
  exited.catch(() => undefined);
  let closing: Promise<void> | undefined;
  return {
    stdin, stdout, stderr, exited,
    async resize(width, height) {
      if (!tty || width < 1 || height < 1 || gone) return;
      await proc.modify(consoleSizeRequest(height, width)).catch(() => undefined); // a process that just exited
    },
    close() {
      closing ??= (async () => {
        if (!gone) {
          await proc.terminate().catch(() => undefined); // already stopped: nothing to kill
          await within(watched, KILL_WAIT_MS);
        }
        for (const s of [stdin, stdout, stderr]) s?.destroy();
        proc.close();
        system.close();
      })();
      return closing;
    },
  };
}
