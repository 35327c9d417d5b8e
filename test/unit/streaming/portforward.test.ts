import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { SpdyTestClient, isRefused } from '../../helpers/streaming-client-spdy.js';
import { WsTestClient } from '../../helpers/streaming-client-ws.js';
import { portForwardSession } from '../../helpers/streaming-session.js';
import { startServer, serverPoll } from './server-setup.js';
import { waitFor } from '../../helpers/wait-for.js';
import { PORT_FORWARD_V1 } from '../../../src/streaming/remotecommand/protocols.js';

/** A TCP server answering each connection with "<tag>:" + what it reads, closing when the client half-closes. */
async function echoServer(tag: string): Promise<{ port: number; server: net.Server; open: () => number }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.write(`${tag}:`);
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, server, open: () => sockets.size };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const dial = (port: number) => new Promise<net.Socket>((resolve, reject) => {
  const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  s.once('connect', () => { s.off('error', reject); resolve(s); });
  s.once('error', reject);
});

test('SPDY port-forward: two ports and a refused one on one connection, pairs by requestid, errors on the error stream', async () => {
  const a = await echoServer('A');
  const b = await echoServer('B');
  const dead = await closedPort();
  const { srv } = await startServer();
  try {
    const c = await SpdyTestClient.connect(srv.register(portForwardSession([], dial)), [PORT_FORWARD_V1]);
    assert.ok(!isRefused(c));
    assert.equal(c.protocol, PORT_FORWARD_V1);
    const pair = async (port: number, requestid: string) => {
      const error = await c.open({ streamtype: ['error'], port: [String(port)], requestid: [requestid] });
      error.end();
      const data = await c.open({ streamtype: ['data'], port: [String(port)], requestid: [requestid] });
      return { error, data };
    };
    const p1 = await pair(a.port, '0');
    const p2 = await pair(b.port, '1');
    const p3 = await pair(dead, '2');
    await p3.error.done;
    assert.match(p3.error.text(), new RegExp(`error forwarding port ${dead} to pod p0d: .*ECONNREFUSED`));
    p1.data.write('hello');
    p2.data.write('world');
    p1.data.end();
    p2.data.end();
    await Promise.all([p1.data.done, p2.data.done]);
    assert.equal(p1.data.text(), 'A:hello');
    assert.equal(p2.data.text(), 'B:world');
    // the connection is still usable after the failure, and the request ID fallback (data ID − 2) pairs too
    const e4 = await c.open({ streamtype: ['error'], port: [String(a.port)] });
    const d4 = await c.open({ streamtype: ['data'], port: [String(a.port)] });
    d4.write('again');
    d4.end();
    await d4.done;
    assert.equal(d4.text(), 'A:again');
    e4.end();
    const bad = await c.open({ streamtype: ['data'], port: ['0'], requestid: ['9'] }).catch((e: Error) => e);
    assert.ok(bad instanceof Error, 'port 0 refused');
    c.close();
    await c.closed;
    await waitFor('everything released', () => srv.activeSessions === 0 && a.open() === 0 && b.open() === 0, serverPoll);
  } finally {
    await srv.close();
    a.server.close();
    b.server.close();
  }
});

test('WebSocket port-forward (v4 channels): port header on both channels, data both ways, refused port reported', async () => {
  const a = await echoServer('A');
  const dead = await closedPort();
  const { srv } = await startServer();
  try {
    const ws = await WsTestClient.connect(srv.register(portForwardSession([a.port, dead], dial)), ['v4.channel.k8s.io']);
    const le = (p: number) => { const h = Buffer.alloc(2); h.writeUInt16LE(p); return h; };
    await waitFor('error for the refused port', () => (ws.channels.get(3)?.length ?? 0) >= 2, serverPoll);
    assert.deepEqual(ws.channels.get(0)![0], le(a.port));
    assert.deepEqual(ws.channels.get(1)![0], le(a.port));
    assert.deepEqual(ws.channels.get(2)![0], le(dead));
    assert.match(ws.channels.get(3)![1]!.toString(), /error forwarding port \d+ to pod p0d/);
    ws.send(0, 'ping');
    await waitFor('echo', () => Buffer.concat(ws.channels.get(0)!.slice(1)).toString() === 'A:ping', serverPoll);
    ws.ws.close();
    await ws.closed;
    await waitFor('released', () => srv.activeSessions === 0 && a.open() === 0, serverPoll);
  } finally {
    await srv.close();
    a.server.close();
  }
});
