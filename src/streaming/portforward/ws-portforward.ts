/**
 * Port-forward over the WebSocket channel protocol (`v4.channel.k8s.io`, its base64 variant, or none): the ports
 * come from the cached CRI request; port i uses channel 2i for data (both ways) and 2i+1 for errors. Each
 * channel first carries the port number as 2 bytes little-endian. The WebSocket closes when every port's
 * connection is over.
 */
import type { WebSocket } from 'ws';
import type { Logger } from '../../util/log.js';
import type { PortForwardSession } from '../types.js';
import { WsChannels } from '../ws/channels.js';
import { isBase64Protocol } from '../remotecommand/protocols.js';
import { forward } from './pipe.js';

export async function serveWsPortForward(ws: WebSocket, session: PortForwardSession, log: Logger): Promise<void> {
  const ch = new WsChannels(ws, { base64: isBase64Protocol(ws.protocol), closeSignal: false, onWarning: (m) => log.debug(m) });
  const runs = session.ports.map(async (port, i) => {
    const data = 2 * i;
    const error = 2 * i + 1;
    const header = Buffer.alloc(2);
    header.writeUInt16LE(port);
    ch.send(data, header);
    ch.send(error, header);
    const input = ch.input(data);
    let target;
    try {
      target = await session.connect(port);
    } catch (e) {
      const msg = `error forwarding port ${port} to pod ${session.podSandboxId}: ${e instanceof Error ? e.message : String(e)}`;
      log.info('port-forward failed', { pod: session.podSandboxId, port, err: msg });
      ch.send(error, Buffer.from(msg));
      input.resume();
      return;
    }
    target.on('error', (e: Error) => ch.send(error, Buffer.from(`error forwarding port ${port}: ${e.message}`)));
    await forward({ in: input, out: ch.output(data) }, target, ch.closed);
  });
  await Promise.race([Promise.all(runs), ch.closed]);
  ch.close(1000);
  await ch.closed;
}
