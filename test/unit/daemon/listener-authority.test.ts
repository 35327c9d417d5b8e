/**
 * Clients that send the socket path as :authority (grpc-go < 1.57, kubelet <= 1.28; grpc-java) against the listener with a real
 * grpc-js server: Node's own http2 client with an explicit :authority, a raw HTTP/2 client with hand-built HPACK
 * blocks, grpc-js clients (unchanged), and malformed streams (dropped alone).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { listen } from '../../../src/daemon/listener.js';
import { loadCri } from '../../../src/cri/proto.js';
import { HpackEncoder } from '../../../src/daemon/h2/hpack.js';
import { RawH2Client, type RawResponse } from '../../helpers/h2-raw-client.js';
import { grpcGoEncodedAuthority } from '../../helpers/h2.js';
import { call } from '../../e2e/harness.js';

const cri = loadCri();
type Method = { requestSerialize: (v: unknown) => Buffer; responseDeserialize: (b: Buffer) => any };
const VERSION = (cri.runtime.v1.RuntimeService as any).service.Version as Method;
const LIST = (cri.runtime.v1.ImageService as any).service.ListImages as Method;
const IMAGES = [{ id: 'sha256:aa', repoTags: ['mcr.microsoft.com/windows/nanoserver:ltsc2022'], repoDigests: [], size: '1234', pinned: false }];

async function withServer(fn: (path: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'listener-authority-'));
  const server = new grpc.Server();
  let versions = 0;
  server.addService(cri.runtime.v1.RuntimeService.service, {
    Version: (c: grpc.ServerUnaryCall<{ version: string }, unknown>, cb: grpc.sendUnaryData<unknown>) =>
      cb(null, { version: c.request.version, runtimeName: 'wincri', runtimeVersion: String(++versions), runtimeApiVersion: 'v1' }),
  });
  server.addService(cri.runtime.v1.ImageService.service, { ListImages: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { images: IMAGES }) });
  const l = await listen(server, `unix://${join(dir, 'wincri.sock')}`);
  try {
    await fn(l.path);
  } finally {
    await l.close();
    server.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The single message of a successful unary gRPC response. */
function message(r: RawResponse): Buffer {
  const status = r.trailers.get('grpc-status') ?? r.headers.get('grpc-status');
  assert.equal(status, '0', `grpc-status ${status} ${r.trailers.get('grpc-message') ?? r.headers.get('grpc-message')}`);
  assert.equal(r.data.readUInt32BE(1), r.data.length - 5);
  return r.data.subarray(5);
}

const headers = (authority: string, path: string): [string, string][] => [
  [':method', 'POST'], [':scheme', 'http'], [':path', path], [':authority', authority],
  ['content-type', 'application/grpc'], ['user-agent', 'grpc-go/1.33.3'], ['te', 'trailers']];

test("node's http2 client with :authority = the socket path: many Version/ListImages calls over one connection", async () => {
  await withServer(async (path) => {
    const session = http2.connect('http://localhost', { createConnection: () => net.connect(path) });
    try {
      const rpc = (method: string, m: Method, req: unknown): Promise<any> => new Promise((ok, fail) => {
        const s = session.request({ ':method': 'POST', ':path': method, ':authority': path, 'content-type': 'application/grpc', te: 'trailers' });
        const chunks: Buffer[] = [];
        let trailers: http2.IncomingHttpHeaders = {};
        s.on('data', (c: Buffer) => chunks.push(c));
        s.on('trailers', (t) => { trailers = t; });
        s.on('error', fail);
        s.on('end', () => {
          const body = Buffer.concat(chunks);
          if (trailers['grpc-status'] !== '0') { fail(new Error(`grpc-status ${trailers['grpc-status']}`)); return; }
          ok(m.responseDeserialize(body.subarray(5)));
        });
        const msg = m.requestSerialize(req);
        const prefix = Buffer.alloc(5);
        prefix.writeUInt32BE(msg.length, 1);
        s.end(Buffer.concat([prefix, msg]));
      });
      for (let round = 0; round < 5; round++) {
        const res = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2
          ? rpc('/runtime.v1.ImageService/ListImages', LIST, {})
          : rpc('/runtime.v1.RuntimeService/Version', VERSION, { version: `v${round}.${i}` }))));
        res.forEach((r, i) => {
          if (i % 2) assert.deepEqual(r.images.map((x: { id: string }) => x.id), ['sha256:aa']);
          else assert.equal(r.version, `v${round}.${i}`);
        });
      }
    } finally {
      session.destroy();
    }
  });
});

for (const huffman of [false, true]) {
  test(`raw HTTP/2 client, hand-built HPACK (Huffman ${huffman}, :authority indexed then referenced, CONTINUATION, padding, table size updates)`, async () => {
    await withServer(async (path) => {
      const client = new RawH2Client(net.connect(path));
      const enc = new HpackEncoder({ huffman });
      try {
        for (let i = 0; i < 40; i++) {
          if (i === 20) enc.setTableSize(150); // evictions: :authority falls out and is inserted again
          if (i === 30) enc.setTableSize(4096);
          const authority = i % 10 === 9 ? '//./pipe/wincri' : path;
          const list = i % 3 === 2;
          const block = enc.encode([...headers(authority, list ? '/runtime.v1.ImageService/ListImages' : '/runtime.v1.RuntimeService/Version'), ['x-call', String(i % 4)]]);
          const opts = i % 4 === 1 ? { cuts: [1, Math.floor(block.length / 2)] } : i % 4 === 3 ? { pad: 6 } : {};
          const res = await client.call(block, list ? LIST.requestSerialize({}) : VERSION.requestSerialize({ version: `call-${i}` }), opts);
          const msg = message(res);
          if (list) assert.deepEqual(LIST.responseDeserialize(msg).images.map((x: { id: string }) => x.id), ['sha256:aa']);
          else assert.equal(VERSION.responseDeserialize(msg).version, `call-${i}`);
        }
        assert.equal(client.closed, null);
      } finally {
        client.close();
      }
    });
  });
}

test('grpc-js clients still work; a malformed stream is dropped alone', async () => {
  await withServer(async (path) => {
    const rt = new cri.runtime.v1.RuntimeService(`unix:${path}`, grpc.credentials.createInsecure()) as unknown as grpc.Client;
    const im = new cri.runtime.v1.ImageService(`unix:${path}`, grpc.credentials.createInsecure()) as unknown as grpc.Client;
    try {
      for (let i = 0; i < 10; i++) {
        assert.equal((await call(rt, 'Version', { version: `g${i}` })).version, `g${i}`);
        assert.equal((await call(im, 'ListImages', {})).images.length, 1);
      }
      // a client whose header block is not valid HPACK (index out of range): its connection closes
      const bad = new RawH2Client(net.connect(path));
      await assert.rejects(bad.call(Buffer.from([0xff, 0x70]), Buffer.alloc(0)), /closed|RST_STREAM|GOAWAY/);
      // not HTTP/2 at all
      const junk = net.connect(path);
      const closed = new Promise((r) => junk.once('close', r));
      junk.on('error', () => undefined);
      junk.resume(); // reads, so that it sees the server's close
      junk.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await closed;
      assert.equal((await call(rt, 'Version', { version: 'after' })).version, 'after');
    } finally {
      rt.close();
      im.close();
    }
  });
});

test('premise: without the filter, nghttp2 resets a stream whose :authority is a path (PROTOCOL_ERROR) and accepts it percent-encoded (grpc-go >= 1.57)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'listener-authority-'));
  const server = new grpc.Server();
  server.addService(cri.runtime.v1.RuntimeService.service, { Version: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, {}) });
  const path = join(dir, 'direct.sock');
  await new Promise<void>((ok, fail) => server.bindAsync(`unix:${path}`, grpc.ServerCredentials.createInsecure(), (e) => (e ? fail(e) : ok())));
  const client = new RawH2Client(net.connect(path));
  try {
    const enc = new HpackEncoder();
    await assert.rejects(client.call(enc.encode(headers(path, '/runtime.v1.RuntimeService/Version')), VERSION.requestSerialize({})), /RST_STREAM code 1$/);
    const ok = await client.call(enc.encode(headers('localhost', '/runtime.v1.RuntimeService/Version')), VERSION.requestSerialize({}));
    message(ok);
    const encoded = grpcGoEncodedAuthority(path);
    assert.match(encoded, /^%2F[^/]*%2Fdirect\.sock$/);
    message(await client.call(enc.encode(headers(encoded, '/runtime.v1.RuntimeService/Version')), VERSION.requestSerialize({})));
  } finally {
    client.close();
    server.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  }
});
