/**
 * Attach (streaming): connects a client to a running container's init process, whose stdio the IO keeper owns.
 * The keeper fans live output out to every attacher (nothing already logged is replayed), feeds their stdin to
 * the process honouring the container's stdin / stdin_once / tty, resizes the console, and drops an attacher
 * that reads too slowly rather than blocking the log (src/container-io/attach-hub.ts).
 */
import type { StreamProcess } from '../streaming/types.js';
import type { RuntimeState } from './state.js';
import { runningContainer, stillRunning, streamingService, type StreamIo } from './streams.js';

export function attach(st: RuntimeState, idOrPrefix: string, io: StreamIo): string {
  const service = streamingService(st, 'Attach');
  const c = runningContainer(st, idOrPrefix);
  return service.register({
    kind: 'attach', ...io, containerId: c.id,
    start: () => startAttach(st, c.id, io),
  });
}

/** Attaches now; exported for tests (the streaming server calls it through the session). */
export async function startAttach(st: RuntimeState, id: string, io: StreamIo): Promise<StreamProcess> {
  const c = stillRunning(st, id);
  let a;
  try {
    a = await st.opts.keeper.attach(id, { stdin: io.stdin, stdout: io.stdout, stderr: io.stderr && !c.config.tty });
  } catch (e) {
    throw new Error(`attach to container ${id} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  // The container exited → its exit code; the attachment ended without an exit (stdin closed without stdin_once,
  // as containerd detaches then) → 0, the session is over; the keeper dropped it → the reason, for the client.
  const exited = a.exited.then((r) => ({ exitCode: r.exitCode }));
  exited.catch(() => undefined);
  return {
    stdin: a.stdin, stdout: a.stdout, stderr: a.stderr, exited,
    resize: (width, height) => a.resize(width, height),
    close: () => a.close(),
  };
}
