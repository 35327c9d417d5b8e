/** The IO keeper's listening socket (Unix socket or Windows named pipe), taking over a dead keeper's stale one. */
import { createServer, createConnection, type Server, type Socket } from 'node:net';
import { mkdir, unlink, chmod } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../util/log.js';
import { isNamedPipe } from '../platform/host-path.js';
import { KeeperError } from './protocol.js';

/** What a Unix socket path needs of the file system (a named pipe needs none of it); tests record the calls. */
export interface SocketFs { mkdir: typeof mkdir; unlink: typeof unlink; chmod: typeof chmod }

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

/**
 * Listens on socketPath (mode 0600); AlreadyExists when another keeper answers there. A named pipe (any spelling
 * platform/host-path.ts accepts) has no directory to create, no mode to set and is never stale: Windows removes it
 * with the process that made it.
 */
export async function listenKeeperSocket(socketPath: string, onConnection: (sock: Socket) => void, log: Logger, fs: SocketFs = { mkdir, unlink, chmod }): Promise<Server> {
  const pipe = isNamedPipe(socketPath);
  if (!pipe) await fs.mkdir(dirname(socketPath), { recursive: true, mode: 0o700 });
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
    await fs.unlink(socketPath).catch(() => undefined); // stale socket of a dead keeper
    await tryListen();
  }
  if (!pipe) await fs.chmod(socketPath, 0o600);
  return server;
}
