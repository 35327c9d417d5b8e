/**
 * The connection router in front of a real grpc-js server: which route each kind of client gets (raw socket or
 * FilteredSocket) and that every call is answered either way — grpc-js, Node's http2 client, raw clients that send
 * their request before or only after the server's SETTINGS, with a valid or a path :authority, clients that
 * acknowledge late, clients that PING first, and clients that hang up or send garbage before any request.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { routeConnection, ACK_WAIT_MS, type Route } from '../../../../src/daemon/h2/connection-router.js';
import { loadCri } from '../../../../src/cri/proto.js';
import { HpackEncoder } from '../../../../src/daemon/h2/hpack.js';
import { FrameType } from '../../../../src/daemon/h2/frames.js';
import { RawH2Client } from '../../../helpers/h2-raw-client.js';
import { frame, grpcGoEncodedAuthority } from '../../../helpers/h2.js';
import { call } from '../../../e2e/harness.js';

const cri = loadCri();
type Method = { requestSerialize: (v: unknown) => Buffer; responseDeserialize: (b: Buffer) => any };
const VERSION = (cri.runtime.v1.RuntimeService as any).service.Version as Method;

async function withServer(fn: (path: string, routes: Route[]) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'router-'));
  const path = join(dir, 's.sock');
  const server = new grpc.Server();
  server.addService(cri.runtime.v1.RuntimeService.service, {
    Version: (c: grpc.ServerUnaryCall<{ version: string }, unknown>, cb: grpc.sendUnaryData<unknown>) =>
      cb(null, { version: c.request.version, runtimeName: 'wincri', runtimeVersion: '1', runtimeApiVersion: 'v1' }),
  });
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const routes: Route[] = [];
  const ns = net.createServer((sock) => routeConnection(sock, (s, r) => { routes.push(r); injector.injectConnection(s); }));
  await new Promise<void>((r) => ns.listen(path, r));
  try {
    await fn(path, routes);
  } finally {
    await new Promise<void>((r) => ns.close(() => r()));
    injector.destroy();
    server.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  }
}

const headers = (authority: string): [string, string][] => [
  [':method', 'POST'], [':scheme', 'http'], [':path', '/runtime.v1.RuntimeService/Version'], [':authority', authority],
  ['content-type', 'application/grpc'], ['te', 'trailers']];

async function rawCalls(c: RawH2Client, authority: string, n: number): Promise<void> {
  const enc = new HpackEncoder({ huffman: true });
  for (let i = 0; i < n; i++) {
    const r = await c.call(enc.encode(headers(authority)), VERSION.requestSerialize({ version: `r${i}` }));
    assert.equal(r.trailers.get('grpc-status') ?? r.headers.get('grpc-status'), '0');
    assert.equal(VERSION.responseDeserialize(r.data.subarray(5)).version, `r${i}`);
  }
}

test('grpc-js client: raw socket, many calls over one connection', async () => {
  await withServer(async (path, routes) => {
    const rt = new cri.runtime.v1.RuntimeService(`unix:${path}`, grpc.credentials.createInsecure()) as unknown as grpc.Client;
    try {
      for (let i = 0; i < 50; i++) assert.equal((await call(rt, 'Version', { version: `g${i}` })).version, `g${i}`);
      await Promise.all(Array.from({ length: 20 }, async (_, i) => assert.equal((await call(rt, 'Version', { version: `p${i}` })).version, `p${i}`)));
    } finally { rt.close(); }
    assert.deepEqual(routes, ['raw']);
  });
});

test("node's http2 client: raw socket with a valid :authority, filtered with a path", async () => {
  await withServer(async (path, routes) => {
    for (const authority of ['localhost', path]) {
      const session = http2.connect('http://localhost', { createConnection: () => net.connect(path) });
      try {
        for (let i = 0; i < 5; i++) {
          const body = await new Promise<Buffer>((ok, fail) => {
            const s = session.request({ ':method': 'POST', ':path': '/runtime.v1.RuntimeService/Version', ':authority': authority, 'content-type': 'application/grpc', te: 'trailers' });
            const chunks: Buffer[] = [];
            s.on('data', (c: Buffer) => chunks.push(c)); s.on('error', fail); s.on('end', () => ok(Buffer.concat(chunks)));
            const msg = VERSION.requestSerialize({ version: `n${i}` });
            const prefix = Buffer.alloc(5); prefix.writeUInt32BE(msg.length, 1);
            s.end(Buffer.concat([prefix, msg]));
          });
          assert.equal(VERSION.responseDeserialize(body.subarray(5)).version, `n${i}`);
        }
      } finally { session.destroy(); }
    }
    assert.deepEqual(routes, ['raw', 'filtered']);
  });
});

for (const waitForSettings of [false, true]) {
  test(`raw client sending its first request ${waitForSettings ? 'only after the server SETTINGS (grpc-go)' : 'before any server frame'}: valid :authority raw (percent-encoded path too, grpc-go >= 1.57), path filtered`, async () => {
    await withServer(async (path, routes) => {
      for (const authority of ['localhost:0', grpcGoEncodedAuthority(path), path]) {
        const c = new RawH2Client(net.connect(path));
        try {
          if (waitForSettings) await c.serverSettings;
          await rawCalls(c, authority, 10);
          assert.equal(c.closed, null);
        } finally { c.close(); }
      }
      assert.deepEqual(routes, ['raw', 'raw', 'filtered']);
    });
  });
}

test('a client acknowledging late: raw when the ACK comes within the wait, filtered (ACK dropped) after it', async () => {
  await withServer(async (path, routes) => {
    for (const ackDelayMs of [ACK_WAIT_MS / 5, ACK_WAIT_MS * 1.5]) {
      const c = new RawH2Client(net.connect(path), { ackDelayMs });
      try {
        await rawCalls(c, 'localhost', 3);
        assert.equal(c.closed, null);
      } finally { c.close(); }
    }
    // Under heavy load the first client's ACK may itself miss the wait: then it is filtered too, still answered.
    assert.equal(routes.length, 2);
    assert.equal(routes[1], 'filtered');
  });
});

test('a client that PINGs before its first request is filtered and answered', async () => {
  await withServer(async (path, routes) => {
    const sock = net.connect(path);
    const c = new RawH2Client(sock);
    try {
      await c.serverSettings;
      const pong = new Promise<void>((ok) => sock.on('data', (d: Buffer) => { if (d.includes(Buffer.from('pingpong'))) ok(); }));
      sock.write(frame(FrameType.PING, 0, 0, Buffer.from('pingpong')));
      await pong;
      await rawCalls(c, 'localhost', 3);
    } finally { c.close(); }
    assert.deepEqual(routes, ['filtered']);
  });
});

test('clients that hang up or send garbage before a request are dropped; the server keeps serving', async () => {
  await withServer(async (path, routes) => {
    const quitter = net.connect(path);
    quitter.on('error', () => undefined);
    await new Promise<void>((r) => quitter.once('data', () => r())); // the router's SETTINGS
    quitter.end();
    await new Promise((r) => quitter.once('close', r));
    const junk = net.connect(path);
    junk.on('error', () => undefined);
    junk.resume();
    const closed = new Promise((r) => junk.once('close', r));
    junk.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await closed;
    const c = new RawH2Client(net.connect(path));
    try { await rawCalls(c, 'localhost', 2); } finally { c.close(); }
    assert.deepEqual(routes, ['filtered', 'raw']); // the junk went to the filter, which closed it
  });
});
