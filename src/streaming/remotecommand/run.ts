/**
 * One remote command (exec/attach), independent of the framing. SPDY and WebSocket both reduce a connection to
 * CommandChannels; this starts the session's process, pipes stdin/stdout/stderr with backpressure (a full client
 * socket pauses the process output; a full process stdin pauses the client socket), forwards resizes, waits for
 * the process and its output, reports the outcome, and always closes the process. If the client goes away first
 * (`gone` resolves) the process is closed at once.
 */
import { finished, type Readable, type Writable } from 'node:stream';
import type { Logger } from '../../util/log.js';
import type { RemoteCommandSession, StreamProcess } from '../types.js';
import type { CommandOutcome } from './status.js';
import type { TermSize } from './resize.js';

export interface CommandChannels {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  /** Registers the resize listener (TTY sessions with a resize channel). */
  onResize?(listener: (size: TermSize) => void): void;
  /** Writes the outcome where the client expects it; resolves once it is on its way. */
  report(outcome: CommandOutcome): Promise<void>;
  /** Resolves when the client is gone (connection closed). */
  gone: Promise<void>;
}

export async function runCommand(session: RemoteCommandSession, ch: CommandChannels, log: Logger): Promise<void> {
  let proc: StreamProcess;
  try {
    proc = await session.start();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    log.warn('starting the session failed', { container: session.containerId, kind: session.kind, err: message });
    await ch.report({ kind: 'error', message });
    return;
  }
  try {
    const done = runWith(session, proc, ch, log);
    const gone = ch.gone.then(() => 'gone' as const);
    const r = await Promise.race([done, gone]);
    if (r === 'gone') { log.debug('client went away', { container: session.containerId }); return; }
    await ch.report(r);
  } finally {
    await proc.close().catch((e: unknown) => log.warn('closing the session failed', { container: session.containerId, err: e }));
  }
}

async function runWith(session: RemoteCommandSession, proc: StreamProcess, ch: CommandChannels, log: Logger): Promise<CommandOutcome> {
  if (ch.stdin) {
    if (proc.stdin) {
      proc.stdin.on('error', (e: Error) => log.debug('process stdin', { err: e.message })); // EPIPE after exit
      ch.stdin.pipe(proc.stdin);
    } else {
      ch.stdin.resume();
    }
  }
  ch.onResize?.((s) => {
    proc.resize(s.width, s.height).catch((e: unknown) => log.debug('resize failed', { container: session.containerId, err: e }));
  });
  const outputs = [pipeOut(proc.stdout, ch.stdout), pipeOut(proc.stderr, ch.stderr)];
  let outcome: CommandOutcome;
  try {
    const { exitCode } = await proc.exited;
    outcome = session.kind === 'attach' || exitCode === 0 ? { kind: 'success' } : { kind: 'exit', exitCode };
  } catch (e) {
    outcome = { kind: 'error', message: e instanceof Error ? e.message : String(e) };
  }
  await Promise.all(outputs);
  return outcome;
}

/** Pipes process output to the client channel; resolves when everything is written and the channel ended. */
function pipeOut(from: Readable | undefined, to: Writable | undefined): Promise<void> {
  if (!to) {
    from?.resume();
    return Promise.resolve();
  }
  if (!from) {
    to.end();
    return Promise.resolve();
  }
  from.pipe(to);
  return new Promise((resolve) => {
    finished(to, { readable: false }, () => resolve());
    from.once('error', () => { to.end(); });
  });
}
