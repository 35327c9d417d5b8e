/**
 * Exec/attach over WebSocket: channels 0 stdin, 1 stdout, 2 stderr, 3 error (status), 4 resize. On open the
 * server sends an empty message on the lowest output channel (readiness); at the end the status goes on
 * channel 3 (JSON for v4/v5, text for v1) and the WebSocket closes normally.
 */
import type { WebSocket } from 'ws';
import type { Logger } from '../../util/log.js';
import type { RemoteCommandSession } from '../types.js';
import { WsChannels } from '../ws/channels.js';
import { isBase64Protocol, protocolVersion } from './protocols.js';
import { runCommand } from './run.js';
import { statusFor } from './status.js';
import { ResizeDecoder } from './resize.js';

export const CH = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4 } as const;

export async function serveWsCommand(ws: WebSocket, session: RemoteCommandSession, log: Logger): Promise<void> {
  const version = protocolVersion(ws.protocol);
  const ch = new WsChannels(ws, { base64: isBase64Protocol(ws.protocol), closeSignal: version >= 5, onWarning: (m) => log.debug(m) });
  const stdin = session.stdin ? ch.input(CH.stdin) : undefined;
  const resizeIn = session.tty ? ch.input(CH.resize) : undefined;
  const hasStdout = session.stdout;
  const hasStderr = session.stderr && !session.tty;
  ch.send(hasStdout ? CH.stdout : hasStderr ? CH.stderr : CH.error, Buffer.alloc(0));
  await runCommand(session, {
    stdin,
    stdout: hasStdout ? ch.output(CH.stdout) : undefined,
    stderr: hasStderr ? ch.output(CH.stderr) : undefined,
    onResize: resizeIn && ((listener) => {
      const dec = new ResizeDecoder();
      resizeIn.on('data', (b: Buffer) => {
        try {
          for (const size of dec.push(b.toString('utf8'))) listener(size);
        } catch (e) {
          log.warn('bad resize message; ignoring further resizes', { err: e });
          resizeIn.removeAllListeners('data');
          resizeIn.resume();
        }
      });
    }),
    report: (outcome) => new Promise<void>((resolve) => {
      const text = statusFor(version, outcome);
      if (text === undefined) resolve(); else ch.send(CH.error, Buffer.from(text), resolve);
    }),
    gone: ch.closed,
  }, log);
  ch.close(1000);
  await ch.closed;
}
