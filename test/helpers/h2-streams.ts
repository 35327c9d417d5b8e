/** A Node http2 server whose streams a test handles itself, asked `n` plain requests one after another by Node's client. */
import http2, { type ServerHttp2Stream } from 'node:http2';
import { once } from 'node:events';

export async function serveStreams(n: number, onStream: (stream: ServerHttp2Stream) => void): Promise<void> {
  const server = http2.createServer();
  server.on('stream', onStream);
  server.listen(0);
  await once(server, 'listening');
  const client = http2.connect(`http://localhost:${(server.address() as { port: number }).port}`);
  try {
    for (let i = 0; i < n; i++) {
      const req = client.request({ ':path': '/' });
      req.end();
      req.resume();
      await once(req, 'close');
    }
  } finally {
    client.close();
    server.close();
  }
}
