/** The IO keeper's listening socket (Unix socket or Windows named pipe), taking over a dead keeper's stale one. */
import { createServer, createConnection, type Server, type Socket } from 'node:net';
import { mkdir, unlink, chmod } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../util/log.js';
import { KeeperError } from './protocol.js';

function isNamedPipe(path: string): boolean {
  return /^\\\\[.?]\\pipe\\/i.test(path);
}

/** True when something accepts connections at the path. */
function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection(path);
    const done = (v: boolean) => { s.destroy(); resolve(v); };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(1000, () => done(false));
  });
}

/** Listens on socketPath (mode 0600); AlreadyExists when another keeper answers there. */
export async function listenKeeperSocket(socketPath: string, onConnection: (sock: Socket) => void, log: Logger): Promise<Server> {
  const pipe = isNamedPipe(socketPath);
  if (!pipe) await mkdir(dirname(socketPath), { recursive: true, mode: 0o700 });
  const server = createServer(onConnection);
  server.on('error', (e) => log.error('keeper socket error', { err: e }));
  const tryListen = () => new Promise<void>((resolve, reject) => {
    const onErr = (e: Error) => reject(e);
    server.once('error', onErr);
    server.listen(socketPath, () => { server.off('error', onErr); resolve(); });
  });
  try {
    await tryListen();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || pipe) throw e;
    if (await socketAnswers(socketPath)) {
      throw new KeeperError('AlreadyExists', `another IO keeper is already listening on ${socketPath}`);
    }
    await unlink(socketPath).catch(() => undefined); // stale socket of a dead keeper
    await tryListen();
  }
  if (!pipe) await chmod(socketPath, 0o600);
  return server;
}
